package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"

	"github.com/sdgo/sdgo/gpu"
)

func init() {
	register(command{name: "devices", summary: "list the Vulkan devices and what they support", run: runDevices})
}

func runDevices(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("devices", pflag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print JSON")
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	infos, err := gpu.Devices()
	if err != nil {
		fmt.Fprintln(stderr, "sdgo devices:", err)
		return exitFailure
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(infos); err != nil {
			fmt.Fprintln(stderr, "sdgo devices:", err)
			return exitFailure
		}
		return 0
	}
	for _, in := range infos {
		fmt.Fprintf(stdout, "%d: %s (%s)\n", in.Index, in.Name, in.Type)
		fmt.Fprintf(stdout, "   driver:              %s, Vulkan %s\n", in.Driver, in.APIVersion)
		fmt.Fprintf(stdout, "   memory:              %.1f GiB device-local%s\n", float64(in.DeviceLocalBytes)/(1<<30), map[bool]string{true: ", host-visible (UMA)", false: ""}[in.UMA])
		fmt.Fprintf(stdout, "   max storage buffer:  %d MiB\n", in.MaxStorageBufferRange>>20)
		fmt.Fprintf(stdout, "   shared memory:       %d KiB, workgroup ≤ %d threads, subgroup %d\n", in.MaxSharedMemory>>10, in.MaxWorkgroupInvocs, in.SubgroupSize)
		fmt.Fprintf(stdout, "   fp16:                arithmetic %s, 16-bit storage %s\n", yesNo(in.Float16), yesNo(in.Storage16))
		fmt.Fprintf(stdout, "   coop. matrices:      %s (VK_NV_cooperative_matrix, fp16 16×16×16: the tensor-core kernels)\n", yesNo(in.CoopMatrix))
		if m := in.Missing(); len(m) > 0 {
			fmt.Fprintf(stdout, "   missing:             %s\n", strings.Join(m, ", "))
		}
	}
	return 0
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
