package imageio

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func TestFormatA1111Example(t *testing.T) {
	p := Parameters{Prompt: "a photo of a cat", NegativePrompt: "blurry", Steps: 20, Sampler: "Euler a", CFGScale: 7,
		Seed: 42, Width: 512, Height: 512, ModelHash: "abcd1234", ModelName: "v1-5-pruned-emaonly", Version: "sdgo"}
	want := "a photo of a cat\nNegative prompt: blurry\nSteps: 20, Sampler: Euler a, CFG scale: 7, Seed: 42, Size: 512x512, Model hash: abcd1234, Model: v1-5-pruned-emaonly, Version: sdgo"
	require.Equal(t, want, p.Format())
	require.Equal(t, p, Parse(want))

	p = Parameters{Prompt: "x", Steps: 30, Scheduler: "Karras", CFGScale: 7.5, Seed: 0, Width: 768, Height: 512,
		Strength: 0.75, ClipSkip: 2, Extra: map[string]string{"Hires upscale": "2", "Lora hashes": "a: 1, b: 2"}}
	require.Equal(t, `x
Steps: 30, Schedule type: Karras, CFG scale: 7.5, Seed: 0, Size: 768x512, Denoising strength: 0.75, Clip skip: 2, Hires upscale: 2, Lora hashes: "a: 1, b: 2"`, p.Format())
	require.Equal(t, p, Parse(p.Format()))
}

func TestParseA1111Infotext(t *testing.T) {
	text := "masterpiece, (best quality:1.2), a castle\non a hill\nNegative prompt: lowres, bad anatomy\nworst quality\n" +
		`Steps: 28, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 6.5, Seed: 3735928559, Size: 512x768, ` +
		`Model hash: 6ce0161689, Model: v1-5-pruned-emaonly, Denoising strength: 0.4, Clip skip: 2, ` +
		`Lora hashes: "add_detail: 7c6bad76eb54, more: \"x\"", Hires upscaler: Latent, Version: v1.9.4`
	p := Parse(text)
	require.Equal(t, Parameters{
		Prompt: "masterpiece, (best quality:1.2), a castle\non a hill", NegativePrompt: "lowres, bad anatomy\nworst quality",
		Steps: 28, Sampler: "DPM++ 2M", Scheduler: "Karras", CFGScale: 6.5, Seed: 3735928559, Width: 512, Height: 768,
		ModelHash: "6ce0161689", ModelName: "v1-5-pruned-emaonly", Strength: 0.4, ClipSkip: 2, Version: "v1.9.4",
		Extra: map[string]string{"Lora hashes": `add_detail: 7c6bad76eb54, more: "x"`, "Hires upscaler": "Latent"},
	}, p)
	require.Equal(t, p, Parse(p.Format()))
}

func TestParseOddInputs(t *testing.T) {
	// No parameter line (fewer than 3 pairs): everything is prompt.
	require.Equal(t, Parameters{Prompt: "just a prompt\nSteps: 20, Seed: 1"}, Parse("  just a prompt\nSteps: 20, Seed: 1\n"))
	require.Equal(t, Parameters{}, Parse(""))
	// Bad numbers are kept in Extra and leave the field alone.
	p := Parse("p\nSteps: many, Seed: 1, Size: 8xq, CFG scale: 5")
	require.Equal(t, Parameters{Prompt: "p", Seed: 1, CFGScale: 5, Extra: map[string]string{"Steps": "many", "Size": "8xq"}}, p)
	// CRLF line ends.
	p = Parse("p\r\nNegative prompt: n\r\nSteps: 1, Seed: 2, Size: 8x16\r\n")
	require.Equal(t, Parameters{Prompt: "p", NegativePrompt: "n", Steps: 1, Seed: 2, Width: 8, Height: 16}, p)
	// A broken quoted value is kept as written.
	p = Parse(`p` + "\n" + `Steps: 1, Seed: 2, Size: 8x8, Note: "abc\"`)
	require.Equal(t, `"abc\"`, p.Extra["Note"])
}

func TestParametersRoundTripTrickyValues(t *testing.T) {
	tricky := []string{`a, b`, `key: value`, "line1\nline2", `"quoted"`, `say "hi"`, ` padded `, `back\slash`,
		`{"json": [1, 2]}`, "tab\there", "ünïcödé, 猫", "emoji 🐱: yes", `""`, `\"`, "a\u2028b", ""}
	for _, v := range tricky {
		p := Parameters{Prompt: "a cat, \"sitting\"\non a mat: (red:1.2)", NegativePrompt: "blurry,\nugly: \"very\"",
			Steps: 20, Sampler: v, CFGScale: 7, Seed: -1, Width: 64, Height: 64, ModelName: v, Version: "sdgo",
			Extra: map[string]string{"Note": v, "Other key": "x"}}
		if v == "" {
			p.Sampler, p.ModelName = "", ""
		}
		require.Equal(t, p, Parse(p.Format()), "value %q:\n%s", v, p.Format())
	}
}

// roundTrips reports whether Format's documented preconditions hold for a prompt.
func roundTrips(s string) bool {
	if !utf8.ValidString(s) || strings.TrimSpace(s) != s {
		return false
	}
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) != l || strings.HasPrefix(l, "Negative prompt:") {
			return false
		}
	}
	return true
}

func FuzzParametersRoundTrip(f *testing.F) {
	f.Add("a cat, on a mat", "blurry", "Euler a", "v: 1, w", int64(42), 7.5)
	f.Add("line\n\nline", "x\ny", `"q"`, "\x00\x01", int64(-3), 0.1)
	f.Fuzz(func(t *testing.T, prompt, negative, sampler, extra string, seed int64, cfg float64) {
		p := Parse(prompt + "\n" + negative) // never panics, on anything
		_ = p.Format()
		if !roundTrips(prompt) || !roundTrips(negative) || !utf8.ValidString(sampler) || !utf8.ValidString(extra) || cfg != cfg {
			return
		}
		p = Parameters{Prompt: prompt, NegativePrompt: negative, Steps: 20, Sampler: sampler, CFGScale: cfg, Seed: seed,
			Width: 8, Height: 8, Extra: map[string]string{"Extra key": extra}}
		require.Equal(t, p, Parse(p.Format()), "%q", p.Format())
	})
}
