// Command shadergen regenerates kernels/shaders: it runs gosl over the kernel sources
// (Go under //gosl: directives) to write HLSL, then compiles every HLSL file that has an
// entry point to SPIR-V with glslc. A kernel written in GLSL (a #version line: the
// cooperative-matrix kernels, which HLSL cannot express) is saved as NAME.comp and
// compiled as GLSL. A line `// sdgo:variant NAME -DFLAG=V ...` in a kernel compiles one
// more SPIR-V module, NAME.spv, with those flags.
//
// Run it through `go generate ./kernels/...`. With -check it writes into a temporary
// folder and fails if the result differs from the committed shaders (drift check).
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/sdgo/sdgo/kernels/internal/shadergen/gen"
)

func main() {
	src := flag.String("src", ".", "folder of the kernel Go sources")
	out := flag.String("out", "shaders", "output folder for .hlsl, .comp and .spv")
	check := flag.Bool("check", false, "compare a fresh generation with -out instead of writing it")
	flag.Parse()
	var err error
	if *check {
		err = gen.Check(*src, *out)
	} else {
		err = gen.Generate(*src, *out)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "shadergen:", err)
		os.Exit(1)
	}
}
