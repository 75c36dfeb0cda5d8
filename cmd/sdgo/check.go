package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/pflag"

	"github.com/sdgo/sdgo/gpu"
	"github.com/sdgo/sdgo/gpu/conformance"
)

func init() {
	register(command{name: "check", summary: "run the kernel conformance suite on a device", run: runCheck})
}

func runCheck(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("check", pflag.ContinueOnError)
	device := fs.String("device", "", "device index or name substring (default: $SDGO_DEVICE, else the best device)")
	filter := fs.String("kernel", "", "run only kernels whose name contains this")
	full := fs.Bool("full", false, "also run the slow cases (full-size SD shapes)")
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	cpuKernels := fs.Bool("cpu-kernels", false, "on a GPU, also run the kernels built for CPU devices (their compilation can take minutes there)")
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "sdgo check: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	d, err := gpu.Open(*device)
	if err != nil {
		fmt.Fprintln(stderr, "sdgo check:", err)
		return exitFailure
	}
	defer d.Close()
	cases := conformance.Cases(*filter, !*full)
	if len(cases) == 0 {
		fmt.Fprintf(stderr, "sdgo check: no kernel matches --kernel %q\n", *filter)
		return exitUsage
	}
	if !*asJSON {
		fmt.Fprintf(stdout, "device: %s (%s)\n", d.Info.Name, d.Info.Driver)
	}
	// The table's rows go out as their cases finish, so a case that hangs the device
	// is the one after the last row printed.
	o := conformance.Options{CPUKernels: *cpuKernels}
	if !*asJSON {
		fmt.Fprint(stdout, conformance.TableHeader())
		o.Progress = func(r conformance.Result) { fmt.Fprint(stdout, conformance.TableRow(r)) }
	}
	rs := conformance.Run(d, cases, o)
	failed := conformance.Failed(rs)
	if *asJSON {
		if err := writeCheckJSON(stdout, d, rs); err != nil {
			fmt.Fprintln(stderr, "sdgo check:", err)
			return exitFailure
		}
	} else {
		skipped := conformance.Skipped(rs)
		fmt.Fprintf(stdout, "%d passed, %d skipped, %d failed\n", len(rs)-failed-skipped, skipped, failed)
	}
	if failed > 0 {
		return exitFailure
	}
	return 0
}

func writeCheckJSON(w io.Writer, d *gpu.Device, rs []conformance.Result) error {
	type row struct {
		Kernel, Shape        string
		MaxAbsCPU, MaxAbs64  float64
		MaxRel64, Atol, Rtol float64
		Worst                int
		WorstGot, WorstWant  float64
		Pass                 bool
		Error                string `json:",omitempty"`
		Skipped              string `json:",omitempty"`
		Seconds              float64
	}
	out := struct {
		Device  string
		Driver  string
		Results []row
	}{Device: d.Info.Name, Driver: d.Info.Driver}
	for _, r := range rs {
		x := row{Kernel: r.Kernel, Shape: r.Shape, MaxAbsCPU: r.MaxAbsCPU, MaxAbs64: r.MaxAbs64, MaxRel64: r.MaxRel64,
			Atol: r.Atol, Rtol: r.Rtol, Worst: r.Worst, WorstGot: r.WorstGot, WorstWant: r.WorstWant,
			Pass: r.Pass && r.Err == nil, Skipped: r.Skipped, Seconds: r.Duration.Seconds()}
		if r.Err != nil {
			x.Error = r.Err.Error()
		}
		out.Results = append(out.Results, x)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
