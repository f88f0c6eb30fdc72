package main

import (
	"fmt"
	"os"

	log "github.com/sirupsen/logrus"
	"github.com/spf13/cobra"

	"github.com/inspektor-gadget/inspektor-gadget/cmd/common"
	"github.com/inspektor-gadget/inspektor-gadget/pkg/config"
	gadgetservice "github.com/inspektor-gadget/inspektor-gadget/pkg/gadget-service"
	"github.com/inspektor-gadget/inspektor-gadget/pkg/gadget-service/api"
	instancemanager "github.com/inspektor-gadget/inspektor-gadget/pkg/gadget-service/instance-manager"
	filestore "github.com/inspektor-gadget/inspektor-gadget/pkg/gadget-service/store/file-store"
	"github.com/inspektor-gadget/inspektor-gadget/pkg/runtime"
)

// newDaemonCommand serves the gadget service on a TCP address. Plain gRPC:
// the test bed binds it to loopback and reaches it only through kwok's
// port-forward, as a cluster reaches the gadget pod's 127.0.0.1:8080.
func newDaemonCommand(rt runtime.Runtime) *cobra.Command {
	var listen string
	var bufferLength uint64
	cmd := &cobra.Command{
		Use:          "daemon",
		Short:        "Serve Inspektor Gadget's gRPC API",
		Args:         cobra.NoArgs,
		SilenceUsage: true,
	}
	cmd.Flags().StringVarP(&listen, "host", "H", "tcp://127.0.0.1:8080", "address to serve on (tcp://HOST:PORT or unix:///PATH)")
	cmd.Flags().Uint64Var(&bufferLength, "events-buffer-length", 16384, "events buffered per client before the server drops them")

	service := gadgetservice.NewService(log.StandardLogger())
	for _, params := range service.GetOperatorMap() {
		common.AddFlags(cmd, params, nil, rt)
	}

	cmd.RunE = func(*cobra.Command, []string) error {
		if os.Geteuid() != 0 {
			return fmt.Errorf("ig daemon must run as root to load eBPF programs")
		}
		socketType, socketPath, err := api.ParseSocketAddress(listen)
		if err != nil {
			return fmt.Errorf("invalid --host %q: %w", listen, err)
		}
		if err := config.Config.ReadInConfig(); err != nil {
			log.Debugf("no config file: %v", err)
		}
		mgr, err := instancemanager.New(rt)
		if err != nil {
			return fmt.Errorf("initializing the instance manager: %w", err)
		}
		store, err := filestore.New(mgr)
		if err != nil {
			return fmt.Errorf("initializing the instance store: %w", err)
		}
		service.SetEventBufferLength(bufferLength)
		service.SetStore(store)
		service.SetInstanceManager(mgr)
		log.Infof("serving Inspektor Gadget on %s", listen)
		return service.Run(gadgetservice.RunConfig{SocketType: socketType, SocketPath: socketPath})
	}
	return cmd
}
