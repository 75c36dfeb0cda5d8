package tokenizer

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoadDirFixtures(t *testing.T) {
	for dir, pad := range map[string]int{
		"tiny-sd1":           EndID,
		"tiny-sd2":           OpenCLIPPadID,
		"tiny-sd2/tokenizer": OpenCLIPPadID,
	} {
		tok, err := LoadDir(filepath.Join(fixtures, "models", dir))
		require.NoError(t, err, dir)
		assert.Equal(t, pad, tok.PadID(), dir)
	}
}

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
	}
	return dir
}

func TestLoadDirVocabularyFiles(t *testing.T) {
	vocabJSON, mergesTxt := vocabFiles(t)
	dir := writeFiles(t, map[string]string{
		"vocab.json":            vocabJSON,
		"merges.txt":            mergesTxt,
		"tokenizer_config.json": `{"pad_token": {"content": "!", "lstrip": false}}`,
	})
	tok, err := LoadDir(dir)
	require.NoError(t, err)
	assert.Equal(t, 0, tok.PadID())
	assert.Equal(t, sd1(t).Encode("a photo of a cat"), tok.Encode("a photo of a cat"))
}

func TestLoadDirDefaults(t *testing.T) {
	tok, err := LoadDir(t.TempDir())
	require.NoError(t, err)
	assert.Equal(t, EndID, tok.PadID())

	tok, err = LoadDir(writeFiles(t, map[string]string{"special_tokens_map.json": `{"pad_token": null}`}))
	require.NoError(t, err)
	assert.Equal(t, EndID, tok.PadID())
}

func TestLoadDirErrors(t *testing.T) {
	for name, files := range map[string]map[string]string{
		"bad json":          {"special_tokens_map.json": "{"},
		"bad pad token":     {"tokenizer_config.json": `{"pad_token": 5}`},
		"unknown pad token": {"special_tokens_map.json": `{"pad_token": "<pad>"}`},
		"bad vocab":         {"vocab.json": `{"a": 0}`, "merges.txt": "#version: 0.2\n"},
	} {
		_, err := LoadDir(writeFiles(t, files))
		assert.Error(t, err, name)
	}
}

func TestPadIDForCheckpoint(t *testing.T) {
	assert.Equal(t, OpenCLIPPadID, PadIDForCheckpoint([]string{"model.diffusion_model.x", "cond_stage_model.model.token_embedding.weight"}))
	assert.Equal(t, EndID, PadIDForCheckpoint([]string{"cond_stage_model.transformer.text_model.embeddings.token_embedding.weight"}))
	assert.Equal(t, EndID, PadIDForCheckpoint(nil))
}
