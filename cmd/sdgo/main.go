// Command sdgo runs Stable Diffusion on Vulkan compute kernels.
//
// Usage: sdgo <command> [flags]; `sdgo help` lists the commands.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/spf13/pflag"
)

// exitUsage is the exit status for bad flags or arguments; exitFailure for everything else.
const (
	exitFailure = 1
	exitUsage   = 2
)

// command is one subcommand. run gets the arguments after the command name and returns
// the process exit status; it writes results to stdout and diagnostics to stderr.
type command struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

var commands = map[string]command{}

// register adds a subcommand; each command's file calls it from init.
func register(c command) { commands[c.name] = c }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		if len(args) == 0 {
			return exitUsage
		}
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "sdgo: unknown command %q (see 'sdgo help')\n", args[0])
		return exitUsage
	}
	return c.run(args[1:], stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "sdgo: Stable Diffusion on Vulkan compute kernels\n\nUsage: sdgo <command> [flags]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-16s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'sdgo <command> --help' for a command's flags.")
}

// parseFlags parses a command's flags. A bad flag prints one line naming it and the
// command returns exitUsage; --help prints the flags and the command returns 0.
func parseFlags(fs *pflag.FlagSet, args []string, stdout, stderr io.Writer) (code int, ok bool) {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	if errors.Is(err, pflag.ErrHelp) {
		fmt.Fprintf(stdout, "Usage of sdgo %s:\n%s", fs.Name(), fs.FlagUsages())
		return 0, false
	}
	if err != nil {
		fmt.Fprintf(stderr, "sdgo %s: %v (see 'sdgo %s --help')\n", fs.Name(), err, fs.Name())
		return exitUsage, false
	}
	return 0, true
}
