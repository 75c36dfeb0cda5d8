package weights

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode"
)

// Arch is a supported model family.
type Arch string

// The supported families.
const (
	SD1 Arch = "SD1.x" // CLIP ViT-L/14 text encoder (quick_gelu), context 768
	SD2 Arch = "SD2.x" // OpenCLIP ViT-H/14 text encoder (gelu), context 1024
)

// Prediction is what the UNet predicts.
type Prediction string

// The prediction types, spelled as diffusers' scheduler prediction_type.
const (
	Epsilon     Prediction = "epsilon"
	VPrediction Prediction = "v_prediction"
)

// unsupportedFamilies are recognised by a key prefix and refused with their name.
var unsupportedFamilies = []struct{ prefix, family string }{
	{"conditioner.embedders.", "SDXL (conditioner.embedders)"},
	{"model.diffusion_model.label_emb.", "SDXL or another class-conditioned UNet (label_emb)"},
	{"add_embedding.", "SDXL (add_embedding)"},
	{"model.diffusion_model.joint_blocks.", "SD3 (joint_blocks)"},
	{"joint_blocks.", "SD3 (joint_blocks)"},
	{"model.diffusion_model.double_blocks.", "Flux (double_blocks)"},
	{"double_blocks.", "Flux (double_blocks)"},
}

// refuseUnsupported returns an error naming the family when names belong to a model this
// package does not load.
func refuseUnsupported(source string, names []string) error {
	for _, u := range unsupportedFamilies {
		if hasPrefix(names, u.prefix) {
			return fmt.Errorf("%s: %s is not supported: only Stable Diffusion 1.x and 2.x", source, u.family)
		}
	}
	return nil
}

// singleFileArch tells SD 1.x from SD 2.x in an LDM checkpoint by its text tower:
// cond_stage_model.transformer.* (Hugging Face CLIP) or cond_stage_model.model.* (OpenCLIP).
func singleFileArch(path string, names []string) (Arch, error) {
	if err := refuseUnsupported(path, names); err != nil {
		return "", err
	}
	if !hasPrefix(names, "model.diffusion_model.") {
		shown := names[:min(len(names), 3)]
		return "", fmt.Errorf("%s: unknown checkpoint layout: no model.diffusion_model.* (UNet) tensors (first keys: %s)", path, strings.Join(shown, ", "))
	}
	switch {
	case hasPrefix(names, "cond_stage_model.model."):
		return SD2, nil
	case hasPrefix(names, "cond_stage_model.transformer."):
		return SD1, nil
	}
	return "", fmt.Errorf("%s: no text encoder (cond_stage_model.*) in the checkpoint, so SD 1.x and 2.x cannot be told apart", path)
}

// diffusersArch tells SD 1.x from SD 2.x in a diffusers model by the text encoder's
// activation (quick_gelu: CLIP, gelu: OpenCLIP), or without a config by its width (768 or
// 1024).
func diffusersArch(text *Weights, js *jsonFile[textJSON]) (Arch, error) {
	if js != nil && js.v.HiddenAct != "" {
		if js.v.HiddenAct == "gelu" {
			return SD2, nil
		}
		return SD1, nil
	}
	tok, err := shapeOf(text, "text_model.embeddings.token_embedding.weight", 2)
	if err != nil {
		return "", err
	}
	switch tok[1] {
	case 768:
		return SD1, nil
	case 1024:
		return SD2, nil
	}
	return "", fmt.Errorf("%s: text encoder width %d is neither SD 1.x (768) nor SD 2.x (1024) and there is no config.json", text.Source, tok[1])
}

// detectPrediction applies the rules documented on Config.Prediction; file is the single
// checkpoint file ("" for a diffusers folder).
func detectPrediction(override Prediction, arch Arch, file string, sched *jsonFile[schedulerJSON]) (Prediction, error) {
	if override != "" {
		return checkPrediction(override, "Options.Prediction")
	}
	if sched != nil && sched.v.PredictionType != "" {
		return checkPrediction(Prediction(sched.v.PredictionType), sched.path)
	}
	if file == "" {
		return Epsilon, nil
	}
	yaml := strings.TrimSuffix(file, filepath.Ext(file)) + ".yaml"
	if p, found, err := yamlParameterization(yaml); found || err != nil {
		return p, err
	}
	if arch == SD2 {
		for _, word := range strings.FieldsFunc(strings.ToLower(filepath.Base(file)), func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsDigit(r)
		}) {
			if word == "v" || word == "vpred" || strings.Contains(word, "768") {
				return VPrediction, nil
			}
		}
	}
	return Epsilon, nil
}

func checkPrediction(p Prediction, source string) (Prediction, error) {
	if p != Epsilon && p != VPrediction {
		return "", fmt.Errorf("%s: prediction type %q is not supported (epsilon or v_prediction)", source, p)
	}
	return p, nil
}

// yamlParameterization scans an LDM YAML config for its `parameterization:` line; found
// is false when the file or the line is absent.
func yamlParameterization(path string) (p Prediction, found bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return "", false, nil
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		value, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "parameterization:")
		if !ok {
			continue
		}
		value, _, _ = strings.Cut(value, "#")
		switch strings.Trim(strings.TrimSpace(value), `"'`) {
		case "v":
			return VPrediction, true, nil
		case "eps":
			return Epsilon, true, nil
		}
		return "", true, fmt.Errorf("%s: parameterization %s is not supported (eps or v)", path, strings.TrimSpace(value))
	}
	return "", false, sc.Err()
}
