package main

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/pflag"

	"github.com/sdgo/sdgo/bench/checkpoint"
)

func init() {
	register(command{name: "make-checkpoint", summary: "write a full-size random-weight checkpoint for benchmarks", run: runMakeCheckpoint})
}

func runMakeCheckpoint(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("make-checkpoint", pflag.ContinueOnError)
	arch := fs.String("arch", "sd15", "architecture: sd15, sd21 or tiny-sd1")
	out := fs.StringP("output", "o", "", "output .safetensors path (required)")
	seed := fs.Uint64("seed", 1, "seed of the random weights")
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	if *out == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "sdgo make-checkpoint: -o/--output PATH is required (and takes no arguments)")
		return exitUsage
	}
	a, err := checkpoint.Lookup(*arch)
	if err != nil {
		fmt.Fprintf(stderr, "sdgo make-checkpoint: --arch: %v\n", err)
		return exitUsage
	}
	start := time.Now()
	if err := checkpoint.Write(*out, a, *seed); err != nil {
		fmt.Fprintln(stderr, "sdgo make-checkpoint:", err)
		return exitFailure
	}
	p := a.Params()
	fmt.Fprintf(stdout, "wrote %s: %s, UNet %.1fM, VAE %.1fM, text encoder %.1fM parameters (fp16), in %.1f s\n",
		*out, a.Name, float64(p["unet"])/1e6, float64(p["vae"])/1e6, float64(p["text"])/1e6, time.Since(start).Seconds())
	return 0
}
