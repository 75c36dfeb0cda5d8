package weights

import (
	"fmt"
	"sort"
	"strings"
)

// LoRA is a low-rank adapter file read into memory. Two key conventions are understood:
//
//	kohya / A1111: lora_unet_<module>.{lora_down,lora_up}.weight and lora_unet_<module>.alpha,
//	               lora_te_<module>... for the text encoder, where <module> is the internal
//	               (diffusers) or the LDM module path with "." replaced by "_";
//	diffusers / PEFT: unet.<module>.lora_A.weight (down) and .lora_B.weight (up),
//	               text_encoder.<module>..., optional .alpha.
//
// Each module adds strength × alpha/rank × up·down to its weight (alpha = rank when absent);
// linear, 1x1 and 3x3 convolution forms are supported (down [r,in,kh,kw], up [out,r,1,1]).
type LoRA struct {
	Path    string
	modules []*loraModule
}

type loraModule struct {
	key       string // module key as in the file
	component Component
	path      string // module path after the component prefix, in the file's spelling
	kohya     bool   // path uses "_" for "."
	up, down  []float32
	upShape   []int
	downShape []int
	alpha     float32 // 0: none given
}

// loraKeyFormats recognise a tensor key: the component prefix, the suffixes naming its
// part, and whether module paths are underscored.
var loraKeyFormats = []struct {
	prefix    string
	component Component
	kohya     bool
	down, up  string
}{
	{"lora_unet_", UNet, true, ".lora_down.weight", ".lora_up.weight"},
	{"lora_te_", TextEncoder, true, ".lora_down.weight", ".lora_up.weight"},
	{"unet.", UNet, false, ".lora_A.weight", ".lora_B.weight"},
	{"text_encoder.", TextEncoder, false, ".lora_A.weight", ".lora_B.weight"},
}

// LoadLoRA reads a LoRA from a .safetensors or PyTorch file.
func LoadLoRA(path string) (*LoRA, error) {
	tf, err := openTensorFile(path)
	if err != nil {
		return nil, err
	}
	defer tf.close()
	if err := refuseSDXLLoRA(path, tensorNames(tf.tensors)); err != nil {
		return nil, err
	}
	byKey := map[string]*loraModule{}
	for _, t := range tf.tensors {
		m, part, err := loraPart(t.Key)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if byKey[m.key] == nil {
			byKey[m.key] = m
		}
		if err := byKey[m.key].setPart(part, t); err != nil {
			return nil, err
		}
	}
	l := &LoRA{Path: path}
	for _, m := range byKey {
		if m.up == nil || m.down == nil {
			return nil, fmt.Errorf("%s: LoRA module %q lacks its up or down weight", path, m.key)
		}
		if err := m.checkShapes(); err != nil {
			return nil, fmt.Errorf("%s: LoRA module %q: %w", path, m.key, err)
		}
		l.modules = append(l.modules, m)
	}
	sort.Slice(l.modules, func(i, j int) bool { return l.modules[i].key < l.modules[j].key })
	return l, nil
}

func refuseSDXLLoRA(path string, names []string) error {
	for _, p := range []string{"lora_te1_", "lora_te2_", "text_encoder_2."} {
		if hasPrefix(names, p) {
			return fmt.Errorf("%s: SDXL LoRA (%s* keys) is not supported: only Stable Diffusion 1.x and 2.x", path, p)
		}
	}
	return nil
}

// loraPart splits a tensor key into its module and part ("down", "up" or "alpha").
func loraPart(key string) (*loraModule, string, error) {
	for _, f := range loraKeyFormats {
		rest, ok := strings.CutPrefix(key, f.prefix)
		if !ok {
			continue
		}
		for part, suffix := range map[string]string{"down": f.down, "up": f.up, "alpha": ".alpha"} {
			if path, ok := strings.CutSuffix(rest, suffix); ok {
				return &loraModule{key: f.prefix + path, component: f.component, path: path, kohya: f.kohya}, part, nil
			}
		}
	}
	return nil, "", fmt.Errorf("unsupported LoRA tensor %q (only lora_up/lora_down/alpha and lora_A/lora_B are understood; LoHa, LoKr, LoCon mid weights and DoRA are not)", key)
}

func (m *loraModule) setPart(part string, t *Tensor) error {
	v, err := t.Float32()
	if err != nil {
		return err
	}
	switch part {
	case "down":
		m.down, m.downShape = v, t.Shape
	case "up":
		m.up, m.upShape = v, t.Shape
	default:
		if len(v) != 1 {
			return fmt.Errorf("%s: tensor %q: alpha must be a scalar, has shape %v", t.File, t.Key, t.Shape)
		}
		m.alpha = v[0]
	}
	return nil
}

// rank, in and out: down is [rank, in...], up is [out, rank(, 1, 1)].
func (m *loraModule) rank() int { return m.downShape[0] }
func (m *loraModule) in() int   { return len(m.down) / m.rank() }
func (m *loraModule) out() int  { return m.upShape[0] }

func (m *loraModule) checkShapes() error {
	if len(m.downShape) < 2 || len(m.upShape) < 2 || m.downShape[0] == 0 || m.upShape[1] != m.downShape[0] ||
		len(m.up) != m.upShape[0]*m.upShape[1] {
		return fmt.Errorf("down %v and up %v are not a low-rank pair", m.downShape, m.upShape)
	}
	return nil
}

// scale is alpha/rank, or 1 without alpha.
func (m *loraModule) scale() float32 {
	if m.alpha == 0 {
		return 1
	}
	return m.alpha / float32(m.rank())
}

// LoRAWeight is a LoRA with the strength it is applied at.
type LoRAWeight struct {
	LoRA     *LoRA
	Strength float32
}

// LoRAMerger applies LoRAs, bound to the weights of one model, to base weights.
type LoRAMerger struct {
	deltas map[Component]map[string][]loraDelta // by internal weight name
	// Unmatched lists the LoRA modules that name no weight of the model.
	Unmatched []string
}

type loraDelta struct {
	m     *loraModule
	scale float32
}

// NewLoRAMerger binds each LoRA module to a weight of m by name and checks the shapes. A
// LoRA none of whose modules matches is an error (it is for another architecture).
func NewLoRAMerger(m *Model, loras ...LoRAWeight) (*LoRAMerger, error) {
	lm := &LoRAMerger{deltas: map[Component]map[string][]loraDelta{}}
	index := map[Component]map[string]string{UNet: loraIndex(m.UNet), TextEncoder: loraIndex(m.TextEncoder)}
	for _, l := range loras {
		matched := 0
		for _, mod := range l.LoRA.modules {
			key := mod.path
			if mod.kohya {
				key = strings.ReplaceAll(key, ".", "_")
			}
			name, ok := index[mod.component][key]
			if !ok {
				lm.Unmatched = append(lm.Unmatched, l.LoRA.Path+": "+mod.key)
				continue
			}
			w, err := m.Weights(mod.component).Tensor(name)
			if err != nil {
				return nil, err
			}
			if mod.out() != w.Shape[0] || mod.out()*mod.in() != w.NumElements() {
				return nil, fmt.Errorf("%s: LoRA module %q (down %v, up %v) does not fit %s weight %q of shape %v",
					l.LoRA.Path, mod.key, mod.downShape, mod.upShape, mod.component, name, w.Shape)
			}
			if lm.deltas[mod.component] == nil {
				lm.deltas[mod.component] = map[string][]loraDelta{}
			}
			lm.deltas[mod.component][name] = append(lm.deltas[mod.component][name], loraDelta{mod, l.Strength * mod.scale()})
			matched++
		}
		if matched == 0 {
			return nil, fmt.Errorf("%s: LoRA matches no weight of this %s model", l.LoRA.Path, m.Config.Arch)
		}
	}
	return lm, nil
}

// loraIndex maps the module keys a LoRA may use for each weight of w to its internal name:
// the internal module path, underscored, and for the UNet also its LDM path underscored.
func loraIndex(w *Weights) map[string]string {
	index := map[string]string{}
	var table *nameTable
	if w.Component == UNet {
		table = unetLayoutFromInternal(w.Names()).table()
	}
	for _, name := range w.Names() {
		module, ok := strings.CutSuffix(name, ".weight")
		if !ok {
			continue
		}
		index[module] = name
		index[strings.ReplaceAll(module, ".", "_")] = name
		if table != nil {
			if ldm, ok := table.ldm(module); ok {
				index[strings.ReplaceAll(ldm, ".", "_")] = name
			}
		}
	}
	return index
}

// Apply adds every bound LoRA delta for weight name of component c to w (the base weight
// as float32, in its stored shape) and returns how many were applied.
func (lm *LoRAMerger) Apply(c Component, name string, w []float32) (int, error) {
	deltas := lm.deltas[c][name]
	for _, d := range deltas {
		out, in, rank := d.m.out(), d.m.in(), d.m.rank()
		if len(w) != out*in {
			return 0, fmt.Errorf("LoRA module %q: %s weight %q has %d elements, want %d", d.m.key, c, name, len(w), out*in)
		}
		for o := range out {
			row := w[o*in : (o+1)*in]
			for r := range rank {
				u := d.scale * d.m.up[o*rank+r]
				for k, v := range d.m.down[r*in : (r+1)*in] {
					row[k] += u * v
				}
			}
		}
	}
	return len(deltas), nil
}

// Touches reports whether any LoRA changes the component's weight called name.
func (lm *LoRAMerger) Touches(c Component, name string) bool {
	return len(lm.deltas[c][name]) > 0
}
