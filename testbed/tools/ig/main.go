// Command ig is the test bed's Inspektor Gadget: IG's own gadget service
// (pkg/gadget-service, the gRPC API the in-cluster gadget pods serve) and image
// builder, on a loopback TCP port. Our own thin main instead of IG's cmd/ig:
// cmd/ig links the OpenTelemetry symbolizer, whose profiler fork the module
// proxy does not serve; the symtab symbolizer that trace_malloc uses is kept.
package main

import (
	"fmt"
	"os"

	log "github.com/sirupsen/logrus"
	"github.com/spf13/cobra"

	// Sets the environment to "local" before the operators initialise.
	_ "github.com/inspektor-gadget/inspektor-gadget/pkg/environment/local"

	"github.com/inspektor-gadget/inspektor-gadget/cmd/common"
	"github.com/inspektor-gadget/inspektor-gadget/cmd/common/image"
	"github.com/inspektor-gadget/inspektor-gadget/pkg/operators"
	ocihandler "github.com/inspektor-gadget/inspektor-gadget/pkg/operators/oci-handler"
	"github.com/inspektor-gadget/inspektor-gadget/pkg/runtime/local"
	"github.com/inspektor-gadget/inspektor-gadget/pkg/utils/host"

	// The operators ig links, as blank imports register them.
	_ "github.com/inspektor-gadget/inspektor-gadget/pkg/operators/btfgen"
	_ "github.com/inspektor-gadget/inspektor-gadget/pkg/operators/cgroup"
	_ "github.com/inspektor-gadget/inspektor-gadget/pkg/operators/ebpf"
	_ "github.com/inspektor-gadget/inspektor-gadget/pkg/operators/env"
	_ "github.com/inspektor-gadget/inspektor-gadget/pkg/operators/filter"
	_ "github.com/inspektor-gadget/inspektor-gadget/pkg/operators/formatters"
	_ "github.com/inspektor-gadget/inspektor-gadget/pkg/operators/localmanager"
	_ "github.com/inspektor-gadget/inspektor-gadget/pkg/operators/logs"
	_ "github.com/inspektor-gadget/inspektor-gadget/pkg/operators/process"
	_ "github.com/inspektor-gadget/inspektor-gadget/pkg/operators/socketenricher"
	_ "github.com/inspektor-gadget/inspektor-gadget/pkg/operators/sort"
	_ "github.com/inspektor-gadget/inspektor-gadget/pkg/operators/uidgidresolver"
	_ "github.com/inspektor-gadget/inspektor-gadget/pkg/operators/ustack"
	_ "github.com/inspektor-gadget/inspektor-gadget/pkg/symbolizer/symtab"
)

func main() {
	root := &cobra.Command{Use: "ig", Short: "Inspektor Gadget for the memleak test bed"}
	common.AddVerboseFlag(root)
	host.AddFlags(root)

	runtime := local.New()
	operators.RegisterDataOperator(ocihandler.OciHandler)

	root.AddCommand(newDaemonCommand(runtime), newInfoCommand(), newRelayCommand(), image.NewImageCmd(runtime, nil), common.NewVersionCmd())
	if err := root.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	log.Exit(0)
}
