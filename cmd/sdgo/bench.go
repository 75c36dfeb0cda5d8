package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/spf13/pflag"

	"github.com/sdgo/sdgo/bench"
)

func init() {
	register(command{name: "bench", summary: "benchmark a full-size random-weight model (no download)", run: runBench})
}

func runBench(args []string, stdout, stderr io.Writer) int {
	var o bench.Options
	fs := pflag.NewFlagSet("bench", pflag.ContinueOnError)
	fs.StringVar(&o.Arch, "arch", "sd15", "checkpoint architecture to generate: sd15 or sd21")
	fs.StringVarP(&o.Checkpoint, "model", "m", "", "benchmark this checkpoint instead of a generated one")
	fs.StringVar(&o.Config, "config", "", "diffusers folder whose configs describe the checkpoint")
	fs.IntSliceVar(&o.Sizes, "size", []int{256}, "image sides in px (e.g. --size 256,512)")
	fs.IntVar(&o.Steps, "steps", 4, "steps of the timed txt2img run")
	fs.StringVar(&o.Device, "device", "", "device index or name substring")
	fs.BoolVar(&o.PlanOnly, "plan", false, "only report the planned device memory per size")
	jsonPath := fs.String("json", "", "also write the report as JSON to this file")
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	for _, s := range o.Sizes {
		if s < 64 || s%8 != 0 || s > 2048 {
			fmt.Fprintf(stderr, "sdgo bench: --size %d: must be a multiple of 8 in 64..2048\n", s)
			return exitUsage
		}
	}
	if o.Steps < 1 {
		fmt.Fprintf(stderr, "sdgo bench: --steps %d: must be at least 1\n", o.Steps)
		return exitUsage
	}
	o.Log = stderr
	r, err := bench.Run(o)
	if err != nil {
		fmt.Fprintln(stderr, "sdgo bench:", err)
		return exitFailure
	}
	fmt.Fprint(stdout, r.Table())
	if *jsonPath != "" {
		data, err := json.MarshalIndent(r, "", "  ")
		if err == nil {
			err = os.WriteFile(*jsonPath, data, 0o644)
		}
		if err != nil {
			fmt.Fprintln(stderr, "sdgo bench:", err)
			return exitFailure
		}
	}
	return 0
}
