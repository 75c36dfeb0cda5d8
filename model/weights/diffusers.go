package weights

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/sdgo/sdgo/internal/pyjson"
)

// diffusersConfigs are the config files of a diffusers folder; absent files are nil.
type diffusersConfigs struct {
	unet      *jsonFile[unetJSON]
	text      *jsonFile[textJSON]
	vae       *jsonFile[vaeJSON]
	scheduler *jsonFile[schedulerJSON]
}

// readJSON parses path into a T; a missing file gives nil.
func readJSON[T any](path string) (*jsonFile[T], error) {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	f := &jsonFile[T]{path: path}
	if err := json.Unmarshal(pyjson.Sanitize(b), &f.v); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

// readDiffusersConfigs reads model_index.json (refusing pipelines of other families) and
// the component configs of a diffusers folder.
func readDiffusersConfigs(dir string) (*diffusersConfigs, error) {
	index, err := readJSON[map[string]any](filepath.Join(dir, "model_index.json"))
	if err != nil {
		return nil, err
	}
	if index != nil {
		class, _ := index.v["_class_name"].(string)
		_, xl := index.v["text_encoder_2"]
		switch {
		case xl || strings.Contains(class, "XL"):
			return nil, fmt.Errorf("%s: SDXL pipeline (%s) is not supported: only Stable Diffusion 1.x and 2.x", index.path, class)
		case class != "" && !strings.HasPrefix(class, "StableDiffusion") || strings.HasPrefix(class, "StableDiffusion3"):
			return nil, fmt.Errorf("%s: pipeline %s is not supported: only Stable Diffusion 1.x and 2.x", index.path, class)
		}
	}
	var c diffusersConfigs
	if c.unet, err = readJSON[unetJSON](filepath.Join(dir, "unet", "config.json")); err != nil {
		return nil, err
	}
	if c.unet != nil && c.unet.v.AdditionEmbedType != nil {
		return nil, fmt.Errorf("%s: UNet with addition_embed_type %q (SDXL-style) is not supported", c.unet.path, *c.unet.v.AdditionEmbedType)
	}
	if c.text, err = readJSON[textJSON](filepath.Join(dir, "text_encoder", "config.json")); err != nil {
		return nil, err
	}
	if c.vae, err = readJSON[vaeJSON](filepath.Join(dir, "vae", "config.json")); err != nil {
		return nil, err
	}
	if c.scheduler, err = readJSON[schedulerJSON](filepath.Join(dir, "scheduler", "scheduler_config.json")); err != nil {
		return nil, err
	}
	return &c, nil
}

// weightBaseNames are the file names (without extension) diffusers and transformers give
// each component's weights.
var weightBaseNames = map[Component][]string{
	UNet:        {"diffusion_pytorch_model"},
	VAE:         {"diffusion_pytorch_model"},
	TextEncoder: {"model", "pytorch_model"},
}

// componentFile picks the weights file of a diffusers component folder: .safetensors before
// .bin; within each, the requested variant (e.g. "fp16"), then the plain file, then the fp16
// variant.
func componentFile(dir string, c Component, variant string) (string, error) {
	var tried []string
	for _, ext := range []string{".safetensors", ".bin"} {
		for _, base := range weightBaseNames[c] {
			if fileExists(filepath.Join(dir, base+ext+".index.json")) {
				return "", fmt.Errorf("%s: sharded weights (%s%s.index.json) are not supported", dir, base, ext)
			}
			for i, v := range []string{variant, "", "fp16"} {
				if i > 0 && v == variant {
					continue // already tried
				}
				name := base + ext
				if v != "" {
					name = base + "." + v + ext
				}
				if p := filepath.Join(dir, name); fileExists(p) {
					return p, nil
				}
				tried = append(tried, name)
			}
		}
	}
	return "", fmt.Errorf("%s: no %s weights (looked for %s)", dir, c, strings.Join(tried, ", "))
}
