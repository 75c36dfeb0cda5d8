package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/sdgo/sdgo/model/imageio"
	"github.com/sdgo/sdgo/model/weights"
)

func init() {
	register(command{name: "info", summary: "show the generation parameters of a PNG, or what a model holds", run: runInfo})
}

func runInfo(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("info", pflag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print JSON (the parsed parameters of an image, the details of a model)")
	config := fs.String("config", "", "diffusers folder whose config files describe a single-file model (attention heads, prediction)")
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "sdgo info: want one argument, IMAGE.png or MODEL (see 'sdgo info --help')")
		return exitUsage
	}
	path := fs.Arg(0)
	format, err := imageFormat(path)
	switch {
	case err != nil:
	case format == "PNG":
		err = imageInfo(path, *asJSON, stdout)
	case format != "":
		err = fmt.Errorf("%s is a %s image: only PNG files carry generation parameters", path, format)
	default:
		err = modelInfo(path, *config, *asJSON, stdout)
	}
	if err != nil {
		fmt.Fprintln(stderr, "sdgo info:", err)
		return exitFailure
	}
	return 0
}

// imageFormat names the image format of the file at path from its first bytes, or returns
// "" for anything else (a model file or folder).
func imageFormat(path string) (string, error) {
	st, err := os.Stat(path)
	if err != nil || st.IsDir() {
		return "", err
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	head := make([]byte, 12)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	switch {
	case imageio.IsPNG(head):
		return "PNG", nil
	case bytes.HasPrefix(head, []byte("\xff\xd8\xff")):
		return "JPEG", nil
	case bytes.HasPrefix(head, []byte("GIF8")):
		return "GIF", nil
	case n == 12 && string(head[:4]) == "RIFF" && string(head[8:]) == "WEBP":
		return "WebP", nil
	}
	return "", nil
}

// imageInfo prints the generation parameters of a PNG: as stored, or parsed as JSON.
func imageInfo(path string, asJSON bool, stdout io.Writer) error {
	text, err := imageio.ReadParameters(path)
	if err != nil {
		return err
	}
	if !asJSON {
		_, err := fmt.Fprintln(stdout, text)
		return err
	}
	return writeJSON(stdout, struct {
		File       string             `json:"file"`
		Text       string             `json:"text"`
		Parameters imageio.Parameters `json:"parameters"`
	}{path, text, imageio.Parse(text)})
}

// componentInfo summarises the tensors of one model component.
type componentInfo struct {
	Name        string         `json:"name"`
	Parameters  int            `json:"parameters"`
	Tensors     int            `json:"tensors"`
	DTypes      map[string]int `json:"dtypes"` // parameters per stored dtype
	InChannels  int            `json:"in_channels,omitempty"`
	OutChannels int            `json:"out_channels,omitempty"`
}

// modelInfo prints what the model at path is: architecture, prediction type, and per
// component the parameter counts, dtypes and channels. configDir is Options.Config.
func modelInfo(path, configDir string, asJSON bool, stdout io.Writer) error {
	m, err := weights.Load(path, weights.Options{Config: configDir})
	if err != nil {
		if configDir == "" && strings.Contains(err.Error(), "Options.Config") {
			return fmt.Errorf("%w: pass --config DIR", err)
		}
		return err
	}
	defer m.Close()
	cfg := m.Config
	var comps []componentInfo
	for _, c := range []weights.Component{weights.UNet, weights.VAE, weights.TextEncoder} {
		ci, err := summarise(c, m.Weights(c))
		if err != nil {
			return err
		}
		comps = append(comps, ci)
	}
	comps[0].InChannels, comps[0].OutChannels = cfg.UNet.InChannels, cfg.UNet.OutChannels
	comps[1].InChannels, comps[1].OutChannels = cfg.VAE.InChannels, cfg.VAE.OutChannels
	if asJSON {
		return writeJSON(stdout, struct {
			Source     weights.Source     `json:"source"`
			Arch       weights.Arch       `json:"arch"`
			Prediction weights.Prediction `json:"prediction"`
			Inpainting bool               `json:"inpainting"`
			Components []componentInfo    `json:"components"`
			Config     weights.Config     `json:"config"`
		}{m.Source, cfg.Arch, cfg.Prediction, cfg.UNet.Inpainting(), comps, cfg})
	}
	w := &errWriter{w: stdout}
	w.printf("model:        %s\n", m.Source.Path)
	w.printf("architecture: %s\n", cfg.Arch)
	w.printf("prediction:   %s\n", cfg.Prediction)
	w.printf("inpainting:   %s\n", yesNo(cfg.UNet.Inpainting()))
	u, v, t := cfg.UNet, cfg.VAE, cfg.Text
	details := []string{
		fmt.Sprintf("%d -> %d channels, blocks %v, heads %v, context width %d", u.InChannels, u.OutChannels, u.BlockOutChannels, u.Heads, u.CrossAttentionDim),
		fmt.Sprintf("%d -> %d latent -> %d channels, blocks %v, scaling factor %g", v.InChannels, v.LatentChannels, v.OutChannels, v.BlockOutChannels, v.ScalingFactor),
		fmt.Sprintf("width %d, %d layers (%d unused), %d heads, %s", t.Hidden, t.Layers, t.SkipLayers, t.Heads, t.Act),
	}
	for i, ci := range comps {
		w.printf("%-13s %s parameters, %d tensors, %s; %s\n", ci.Name+":", count(ci.Parameters), ci.Tensors, dtypeList(ci.DTypes), details[i])
	}
	return w.err
}

// summarise counts the parameters of one component by dtype.
func summarise(c weights.Component, w *weights.Weights) (componentInfo, error) {
	ci := componentInfo{Name: c.String(), DTypes: map[string]int{}}
	if w == nil {
		return ci, fmt.Errorf("model has no %s", c)
	}
	for _, name := range w.Names() {
		t, err := w.Tensor(name)
		if err != nil {
			return ci, err
		}
		n := t.NumElements()
		ci.Parameters += n
		ci.Tensors++
		ci.DTypes[string(t.DType)] += n
	}
	return ci, nil
}

// count writes n exactly and, from a million up, in millions.
func count(n int) string {
	if n < 1e6 {
		return fmt.Sprint(n)
	}
	return fmt.Sprintf("%d (%.1fM)", n, float64(n)/1e6)
}

// dtypeList writes parameters per dtype, e.g. "F16" or "F16 1000, F32 20".
func dtypeList(d map[string]int) string {
	keys := slices.Sorted(maps.Keys(d))
	if len(keys) == 1 {
		return keys[0]
	}
	s := ""
	for i, k := range keys {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%s %d", k, d[k])
	}
	return s
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// errWriter keeps the first write error of a run of prints.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}
