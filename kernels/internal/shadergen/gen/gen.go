// Package gen turns the kernel sources into committed HLSL and SPIR-V (see shadergen).
package gen

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
)

// cpuOnlyTarget is the gosl target name of regions that declare the Go-side storage
// buffers used by the CPU references; its HLSL output is discarded.
const cpuOnlyTarget = "cpuonly"

// Generate regenerates outDir from the kernel sources in srcDir.
func Generate(srcDir, outDir string) error {
	files, err := render(srcDir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}
	old, _ := filepath.Glob(filepath.Join(outDir, "*.*"))
	for _, f := range old {
		if generated(f) {
			if err := os.Remove(f); err != nil {
				return err
			}
		}
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(outDir, name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Check regenerates into memory and reports every file that differs from outDir.
func Check(srcDir, outDir string) error {
	files, err := render(srcDir)
	if err != nil {
		return err
	}
	var drift []string
	committed, _ := filepath.Glob(filepath.Join(outDir, "*.*"))
	seen := map[string]bool{}
	for _, f := range committed {
		name := filepath.Base(f)
		if !generated(name) {
			continue
		}
		seen[name] = true
		want, ok := files[name]
		if !ok {
			drift = append(drift, name+" (stale: no longer generated)")
			continue
		}
		got, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		if !bytes.Equal(got, want) {
			drift = append(drift, name+" (differs)")
		}
	}
	for name := range files {
		if !seen[name] {
			drift = append(drift, name+" (missing)")
		}
	}
	if len(drift) > 0 {
		sort.Strings(drift)
		return fmt.Errorf("committed shaders in %s are out of date with the kernel sources: %s; run `go generate ./kernels/...` and commit the result", outDir, strings.Join(drift, ", "))
	}
	return nil
}

// render runs gosl and glslc in a temporary folder and returns the output files by name.
func render(srcDir string) (map[string][]byte, error) {
	glslc, err := exec.LookPath("glslc")
	if err != nil {
		return nil, fmt.Errorf("glslc not found on PATH (install it: scripts/setup.sh): %w", err)
	}
	srcDir, err = filepath.Abs(srcDir)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "shadergen")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	// gosl loads its output folder as a Go package, so it must lie inside the module;
	// a leading underscore keeps the go tool from treating it as part of the build.
	hlslDir, err := os.MkdirTemp(srcDir, "_gosl")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(hlslDir)
	if err := runGosl(srcDir, hlslDir, tmp); err != nil {
		return nil, err
	}
	hlsl, _ := filepath.Glob(filepath.Join(hlslDir, "*.hlsl"))
	sort.Strings(hlsl)
	files := map[string][]byte{}
	var jobs []compileJob
	for _, f := range hlsl {
		name := filepath.Base(f)
		if name == cpuOnlyTarget+".hlsl" {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		if !bytes.Contains(data, []byte("void main(")) {
			files[name] = data
			continue // an include file shared by entry points
		}
		stem := strings.TrimSuffix(name, ".hlsl")
		if comp, ok := glslEntry(data); ok {
			// A GLSL kernel: compiled from stem.comp, with the gosl guard removed so
			// that #version comes first.
			name, data = stem+".comp", comp
			f = filepath.Join(hlslDir, name)
			if err := os.WriteFile(f, data, 0o644); err != nil {
				return nil, err
			}
		}
		files[name] = data
		builds := map[string][]string{stem: nil}
		for _, v := range variants(data) {
			builds[v[0]] = v[1:]
		}
		for out, flags := range builds {
			if _, dup := files[out+".spv"]; dup {
				return nil, fmt.Errorf("%s: a second build named %s", name, out)
			}
			files[out+".spv"] = nil // claimed; compileAll fills it
			jobs = append(jobs, compileJob{name: name, path: f, out: out, flags: flags})
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("gosl produced no HLSL from %s", srcDir)
	}
	if err := compileAll(glslc, jobs, files); err != nil {
		return nil, err
	}
	return files, nil
}

// compileJob is one SPIR-V build: the source file, the output's stem and its flags.
type compileJob struct {
	name, path, out string
	flags           []string
}

// compileAll runs the builds on every CPU at once (each is one glslc process) and adds
// their SPIR-V to files; on failure it returns the error of the first failing build in
// jobs' order.
func compileAll(glslc string, jobs []compileJob, files map[string][]byte) error {
	spvs := make([][]byte, len(jobs))
	errs := make([]error, len(jobs))
	next := make(chan int)
	var wg sync.WaitGroup
	for range runtime.NumCPU() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				j := jobs[i]
				if spvs[i], errs[i] = compile(glslc, j.path, j.out, j.flags); errs[i] != nil {
					errs[i] = fmt.Errorf("%s (%s): %w", j.name, j.out, errs[i])
				}
			}
		}()
	}
	for i := range jobs {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, j := range jobs {
		if errs[i] != nil {
			return errs[i]
		}
		files[j.out+".spv"] = spvs[i]
	}
	return nil
}

// runGosl runs `go tool gosl` in srcDir with its output in hlslDir. gosl needs goimports
// on PATH, so it is built from the module's tool dependency into tmp first.
func runGosl(srcDir, hlslDir, tmp string) error {
	bin := filepath.Join(tmp, "bin")
	build := exec.Command("go", "build", "-o", filepath.Join(bin, "goimports"), "golang.org/x/tools/cmd/goimports")
	build.Dir = srcDir
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("building goimports: %v\n%s", err, out)
	}
	srcs, err := sources(srcDir)
	if err != nil {
		return err
	}
	// gosl takes the output folder relative to its working directory.
	rel, err := filepath.Rel(srcDir, hlslDir)
	if err != nil {
		return err
	}
	cmd := exec.Command("go", append([]string{"tool", "gosl", "-out", rel}, srcs...)...)
	cmd.Dir = srcDir
	cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("gosl: %v\n%s", err, out)
	}
	// gosl ends by trying dxc, which is absent; its other complaints are real errors.
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "rror") && !strings.Contains(line, "dxc") {
			return fmt.Errorf("gosl: %s", out)
		}
	}
	return nil
}

// sources lists the non-test Go files of srcDir that carry gosl directives.
func sources(srcDir string) ([]string, error) {
	all, err := filepath.Glob(filepath.Join(srcDir, "*.go"))
	if err != nil {
		return nil, err
	}
	var srcs []string
	for _, f := range all {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		if bytes.Contains(data, []byte("//gosl:")) {
			srcs = append(srcs, filepath.Base(f))
		}
	}
	sort.Strings(srcs)
	return srcs, nil
}

// variants parses `// sdgo:variant NAME FLAGS...` lines.
func variants(hlsl []byte) [][]string {
	var vs [][]string
	for _, line := range strings.Split(string(hlsl), "\n") {
		line = strings.TrimSpace(line)
		if rest, ok := strings.CutPrefix(line, "// sdgo:variant "); ok {
			if f := strings.Fields(rest); len(f) > 0 {
				vs = append(vs, f)
			}
		}
	}
	return vs
}

// generated reports whether a file in the shader folder is shadergen output: HLSL,
// GLSL compute kernels (.comp) and SPIR-V.
func generated(name string) bool {
	switch filepath.Ext(name) {
	case ".hlsl", ".comp", ".spv":
		return true
	}
	return false
}

// glslEntry recognises a kernel written in GLSL — for what neither gosl nor glslang's
// HLSL front end can express, such as cooperative matrices — by its #version line, and
// returns it without the include guard gosl wraps every file in.
func glslEntry(data []byte) ([]byte, bool) {
	if !bytes.Contains(data, []byte("\n#version ")) {
		return nil, false
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) >= 3 && strings.HasPrefix(lines[0], "#ifndef __") && strings.HasPrefix(lines[1], "#define __") && strings.HasPrefix(lines[len(lines)-1], "#endif // __") {
		lines = lines[2 : len(lines)-1]
	}
	return []byte(strings.TrimLeft(strings.Join(lines, "\n"), "\n") + "\n"), true
}

// compile builds path with flags into SPIR-V (through a temporary file named after the
// build, so that builds of one source can run at once).
func compile(glslc, path, build string, flags []string) ([]byte, error) {
	out := filepath.Join(filepath.Dir(path), build+".build.spv")
	args := []string{"-fshader-stage=compute", "--target-env=vulkan1.1", "-O", "-I", filepath.Dir(path)}
	if filepath.Ext(path) == ".hlsl" {
		args = append(args, "-x", "hlsl", "-fhlsl-16bit-types")
	}
	args = append(append(args, flags...), "-o", out, path)
	cmd := exec.Command(glslc, args...)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("glslc %s: %v\n%s", strings.Join(flags, " "), err, msg)
	}
	defer os.Remove(out)
	return os.ReadFile(out)
}
