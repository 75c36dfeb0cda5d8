package weights

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Options adjusts how Load finds and reads a model; the zero value loads it as found.
type Options struct {
	// Config is a diffusers folder (or hub id) whose config files describe a single-file
	// checkpoint, like diffusers' from_single_file(config=...): it supplies what shapes
	// cannot tell (attention heads, prediction type) and is checked against the weights.
	Config string
	// UNet and VAE replace that component: a weights file (LDM or diffusers names, with or
	// without the LDM prefix) or a diffusers component folder (config.json + weights).
	UNet, VAE string
	// Prediction forces epsilon or v-prediction (see detectPrediction for the default).
	Prediction Prediction
	// Variant is the diffusers weights variant to prefer, e.g. "fp16".
	Variant string
}

// Model is a loaded Stable Diffusion model: its three components under internal names and
// the architecture derived from them. Tensors stay valid until Close.
type Model struct {
	Source                 Source
	Config                 Config
	TextEncoder, UNet, VAE *Weights
	closers                []func() error
}

// Load opens the model ref names (see Discover) with its overrides, maps every weight to
// the internal naming and derives its Config.
func Load(ref string, opt Options) (*Model, error) {
	src, err := Discover(ref)
	if err != nil {
		return nil, err
	}
	m := &Model{Source: src}
	if err := m.load(opt); err != nil {
		m.Close()
		return nil, err
	}
	return m, nil
}

// Weights returns the weights of component c.
func (m *Model) Weights(c Component) *Weights {
	switch c {
	case TextEncoder:
		return m.TextEncoder
	case UNet:
		return m.UNet
	case VAE:
		return m.VAE
	}
	return nil
}

// Close releases the memory-mapped files.
func (m *Model) Close() error {
	var errs []error
	for _, c := range m.closers {
		errs = append(errs, c())
	}
	m.closers = nil
	return errors.Join(errs...)
}

func (m *Model) set(c Component, w *Weights) {
	switch c {
	case TextEncoder:
		m.TextEncoder = w
	case UNet:
		m.UNet = w
	case VAE:
		m.VAE = w
	}
}

func (m *Model) open(path string) (*tensorFile, error) {
	tf, err := openTensorFile(path)
	if err != nil {
		return nil, err
	}
	m.closers = append(m.closers, tf.close)
	return tf, nil
}

func (m *Model) load(opt Options) error {
	overridden := map[Component]bool{UNet: opt.UNet != "", VAE: opt.VAE != ""}
	cfgs := &diffusersConfigs{}
	var arch Arch
	var err error
	if m.Source.Diffusers {
		cfgs, err = m.loadDiffusers(overridden, opt.Variant)
	} else {
		arch, err = m.loadSingleFile(overridden)
	}
	if err != nil {
		return err
	}
	if opt.Config != "" {
		if cfgs, err = readConfigFolder(opt.Config); err != nil {
			return err
		}
	}
	if err := m.applyOverrides(opt, cfgs); err != nil {
		return err
	}
	if m.Source.Diffusers {
		if arch, err = diffusersArch(m.TextEncoder, cfgs.text); err != nil {
			return err
		}
		return m.deriveConfig(arch, 0, "", cfgs, opt.Prediction)
	}
	skip := 0
	if arch == SD2 {
		skip = 1 // the full OpenCLIP tower; SD 2.x conditions on its penultimate layer
	}
	return m.deriveConfig(arch, skip, m.Source.Path, cfgs, opt.Prediction)
}

// loadDiffusers reads a diffusers folder's configs and the components not overridden.
func (m *Model) loadDiffusers(overridden map[Component]bool, variant string) (*diffusersConfigs, error) {
	cfgs, err := readDiffusersConfigs(m.Source.Path)
	if err != nil {
		return nil, err
	}
	for _, c := range []Component{TextEncoder, UNet, VAE} {
		if !overridden[c] {
			w, _, err := m.openComponent(c, filepath.Join(m.Source.Path, c.String()), variant)
			if err != nil {
				return nil, err
			}
			m.set(c, w)
		}
	}
	return cfgs, nil
}

// loadSingleFile reads the components not overridden from an LDM checkpoint.
func (m *Model) loadSingleFile(overridden map[Component]bool) (Arch, error) {
	file := m.Source.Path
	tf, err := m.open(file)
	if err != nil {
		return "", err
	}
	arch, err := singleFileArch(file, tensorNames(tf.tensors))
	if err != nil {
		return "", err
	}
	for _, c := range []Component{TextEncoder, UNet, VAE} {
		if !overridden[c] {
			w, err := componentWeights(c, file, splitLDM(c, tf.tensors))
			if err != nil {
				return "", err
			}
			m.set(c, w)
		}
	}
	return arch, nil
}

// readConfigFolder reads the configs of Options.Config, a diffusers folder or hub id.
func readConfigFolder(ref string) (*diffusersConfigs, error) {
	src, err := Discover(ref)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if !src.Diffusers {
		return nil, fmt.Errorf("config %s: not a diffusers folder (no model_index.json)", src.Path)
	}
	return readDiffusersConfigs(src.Path)
}

// applyOverrides loads Options.UNet / Options.VAE; an override folder's config.json
// replaces the model's config for that component, an override file has none.
func (m *Model) applyOverrides(opt Options, cfgs *diffusersConfigs) error {
	var err error
	if opt.UNet != "" {
		if cfgs.unet, err = override[unetJSON](m, UNet, opt.UNet, opt.Variant); err != nil {
			return err
		}
	}
	if opt.VAE != "" {
		if cfgs.vae, err = override[vaeJSON](m, VAE, opt.VAE, opt.Variant); err != nil {
			return err
		}
	}
	return nil
}

// override replaces component c by the one at path and returns its config.json, if any.
func override[T any](m *Model, c Component, path, variant string) (*jsonFile[T], error) {
	w, dir, err := m.openComponent(c, path, variant)
	if err != nil {
		return nil, fmt.Errorf("%s override: %w", c, err)
	}
	m.set(c, w)
	if dir == "" {
		return nil, nil
	}
	return readJSON[T](filepath.Join(dir, "config.json"))
}

// openComponent loads one component from a diffusers component folder (returned as dir) or
// from a file holding only that component.
func (m *Model) openComponent(c Component, path, variant string) (*Weights, string, error) {
	file, dir, err := componentSource(c, path, variant)
	if err != nil {
		return nil, "", err
	}
	tf, err := m.open(file)
	if err != nil {
		return nil, "", err
	}
	if err := refuseUnsupported(file, tensorNames(tf.tensors)); err != nil {
		return nil, "", err
	}
	w, err := componentWeights(c, file, standaloneTensors(c, tf.tensors))
	return w, dir, err
}

// componentSource resolves where a component's weights are: a diffusers component folder
// (returned as dir, with the weights file it holds) or a file (a path or a hub reference).
func componentSource(c Component, path, variant string) (file, dir string, err error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		file, err := componentFile(path, c, variant)
		return file, path, err
	}
	src, err := Discover(path)
	if err != nil {
		return "", "", err
	}
	if src.Diffusers {
		return "", "", fmt.Errorf("%s is a whole diffusers model; name its %s/ folder", src.Path, c)
	}
	return src.Path, "", nil
}

func (m *Model) deriveConfig(arch Arch, skip int, file string, cfgs *diffusersConfigs, prediction Prediction) error {
	c := &m.Config
	c.Arch = arch
	var err error
	if c.UNet, err = unetConfig(m.UNet, arch, cfgs.unet); err != nil {
		return err
	}
	if in := c.UNet.InChannels; in != 4 && in != 9 {
		return fmt.Errorf("%s: UNet with %d input channels is not supported (4, or 9 for inpainting; depth, upscaler and instruct-pix2pix UNets are not)", m.UNet.Source, in)
	}
	if c.Text, err = textConfig(m.TextEncoder, arch, skip, cfgs.text); err != nil {
		return err
	}
	if c.VAE, err = vaeConfig(m.VAE, cfgs.vae); err != nil {
		return err
	}
	if c.UNet.CrossAttentionDim != c.Text.Hidden {
		return fmt.Errorf("%s: UNet cross-attention width %d does not match the text encoder width %d (%s)", m.UNet.Source, c.UNet.CrossAttentionDim, c.Text.Hidden, m.TextEncoder.Source)
	}
	if c.UNet.OutChannels != c.VAE.LatentChannels {
		return fmt.Errorf("%s: UNet output channels %d do not match the VAE latent channels %d (%s)", m.UNet.Source, c.UNet.OutChannels, c.VAE.LatentChannels, m.VAE.Source)
	}
	c.Prediction, err = detectPrediction(prediction, arch, file, cfgs.scheduler)
	return err
}
