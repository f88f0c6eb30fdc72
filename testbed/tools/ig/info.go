package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/inspektor-gadget/inspektor-gadget/pkg/gadget-service/api"
)

// newInfoCommand asks a gadget service for its version, the way `up` checks
// that a port-forward through the API server reaches ig.
func newInfoCommand() *cobra.Command {
	var address string
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:          "info",
		Short:        "Print the version a gadget service reports (GetInfo)",
		Args:         cobra.NoArgs,
		SilenceUsage: true,
		RunE: func(*cobra.Command, []string) error {
			conn, err := grpc.NewClient("passthrough:///"+address, grpc.WithTransportCredentials(insecure.NewCredentials()))
			if err != nil {
				return err
			}
			defer conn.Close()
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			info, err := api.NewBuiltInGadgetManagerClient(conn).GetInfo(ctx, &api.InfoRequest{Version: "memleak-testbed"})
			if err != nil {
				return fmt.Errorf("GetInfo on %s: %w", address, err)
			}
			fmt.Printf("serverVersion=%s experimental=%t\n", info.ServerVersion, info.Experimental)
			return nil
		},
	}
	cmd.Flags().StringVar(&address, "address", "127.0.0.1:8080", "HOST:PORT of the gadget service")
	cmd.Flags().DurationVar(&timeout, "timeout", 10*time.Second, "how long to wait for an answer")
	return cmd
}
