package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/sdgo/sdgo/tokenizer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const models = "../../testdata/fixtures/models/"

func runCmd(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func tokenizeJSON(t *testing.T, args ...string) [][]int {
	t.Helper()
	code, out, errOut := runCmd(append([]string{"tokenize", "--json"}, args...)...)
	require.Equal(t, 0, code, errOut)
	var windows [][]int
	require.NoError(t, json.Unmarshal([]byte(out), &windows))
	return windows
}

func window(pad int, ids ...int) []int {
	w := append([]int{49406}, ids...)
	w = append(w, 49407)
	for len(w) < 77 {
		w = append(w, pad)
	}
	return w
}

func TestTokenizeJSON(t *testing.T) {
	got := tokenizeJSON(t, "a photo of a cat", "")
	assert.Equal(t, [][]int{window(49407, 320, 1125, 539, 320, 2368), window(49407)}, got)
}

func TestTokenizePadID(t *testing.T) {
	assert.Equal(t, [][]int{window(0, 2368)}, tokenizeJSON(t, "--pad-id", "0", "cat"))
	assert.Equal(t, [][]int{window(0, 2368)}, tokenizeJSON(t, "cat", "--pad-id=0"), "flags may follow prompts")
}

func TestTokenizeModel(t *testing.T) {
	for model, pad := range map[string]int{
		models + "tiny-sd1":                  49407,
		models + "tiny-sd2":                  0,
		models + "tiny-sd1.fp16.safetensors": 49407,
		models + "tiny-sd2.fp16.safetensors": 0,
	} {
		assert.Equal(t, [][]int{window(pad, 2368)}, tokenizeJSON(t, "-m", model, "cat"), model)
	}
	assert.Equal(t, [][]int{window(49407, 2368)}, tokenizeJSON(t, "--model", models+"tiny-sd2", "--pad-id", "49407", "cat"))
}

func TestTokenizeDoubleDash(t *testing.T) {
	tok, err := tokenizer.NewCLIP(tokenizer.EndID)
	require.NoError(t, err)
	want, _ := tok.EncodeWindow("--json")
	assert.Equal(t, [][]int{want}, tokenizeJSON(t, "--", "--json"))
}

func TestTokenizeTable(t *testing.T) {
	code, out, _ := runCmd("tokenize", "a cat")
	require.Equal(t, 0, code)
	assert.Contains(t, out, "2 tokens of 75")
	assert.Contains(t, out, "    2    2368  cat</w>")
	assert.Contains(t, out, " 4-76   49407  padding ×73")

	code, out, _ = runCmd("tokenize", strings.Repeat("cat ", 80)+"dog")
	require.Equal(t, 0, code)
	assert.Contains(t, out, `81 tokens: TRUNCATED to 75, 6 dropped: "cat cat cat cat cat dog"`)
	assert.NotContains(t, out, "padding")
}

func TestTokenizeUsageErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		flag string
	}{
		{[]string{"--bogus", "x"}, "-bogus"},
		{[]string{"--pad-id", "abc", "x"}, "pad-id"},
		{[]string{"--pad-id", "49408", "x"}, "--pad-id"},
		{[]string{"--pad-id", "-1", "x"}, "--pad-id"},
		{[]string{"x", "-m"}, "-m"},
		{nil, "no prompt"},
	} {
		code, out, errOut := runCmd(append([]string{"tokenize"}, c.args...)...)
		assert.Equal(t, exitUsage, code, c.args)
		assert.Empty(t, out)
		assert.Contains(t, errOut, c.flag)
		assert.Equal(t, 1, strings.Count(errOut, "\n"), "one line: %q", errOut)
	}
}

func TestTokenizeModelErrors(t *testing.T) {
	for _, model := range []string{models + "missing", models + "tiny-sd1/model_index.json"} {
		code, _, errOut := runCmd("tokenize", "-m", model, "x")
		assert.Equal(t, exitFailure, code, model)
		assert.Contains(t, errOut, "model")
	}
}

func TestTokenizeHelp(t *testing.T) {
	code, out, _ := runCmd("tokenize", "--help")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "Usage: sdgo tokenize")
}
