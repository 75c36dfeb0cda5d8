package tokenizer

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func ones(n int) []float32 {
	w := make([]float32, n)
	for i := range w {
		w[i] = 1
	}
	return w
}

// checkChunk verifies the window layout and returns the prompt ids and weights.
func checkChunk(t *testing.T, tok *Tokenizer, c Chunk) ([]int, []float32) {
	t.Helper()
	require.Len(t, c.IDs, ContextLength)
	require.Len(t, c.Weights, ContextLength)
	require.LessOrEqual(t, c.Tokens, ChunkLength)
	assert.Equal(t, StartID, c.IDs[0])
	assert.Equal(t, EndID, c.IDs[c.Tokens+1])
	for _, id := range c.IDs[c.Tokens+2:] {
		assert.Equal(t, tok.PadID(), id)
	}
	assert.Equal(t, float32(1), c.Weights[0])
	assert.Equal(t, ones(ContextLength-c.Tokens-1), c.Weights[c.Tokens+1:])
	return c.IDs[1 : c.Tokens+1], c.Weights[1 : c.Tokens+1]
}

func TestEncodePromptWeights(t *testing.T) {
	tok := sd1(t)
	chunks, err := tok.EncodePrompt("a (cat:1.5) [dog]", nil)
	require.NoError(t, err)
	require.Len(t, chunks, 1)
	ids, weights := checkChunk(t, tok, chunks[0])
	assert.Equal(t, tok.Encode("a cat dog"), ids)
	assert.Equal(t, []float32{1, 1.5, float32(1 / 1.1)}, weights)
	assert.Empty(t, chunks[0].Embeddings)
}

func TestEncodePromptEmpty(t *testing.T) {
	sd2, err := NewCLIP(OpenCLIPPadID)
	require.NoError(t, err)
	chunks, err := sd2.EncodePrompt("", nil)
	require.NoError(t, err)
	require.Len(t, chunks, 1)
	window, _ := sd2.EncodeWindow("")
	assert.Equal(t, window, chunks[0].IDs)
	assert.Equal(t, 0, chunks[0].Tokens)
	assert.Equal(t, ones(ContextLength), chunks[0].Weights)
}

func TestEncodePromptSplitsLongPrompts(t *testing.T) {
	tok := sd1(t)
	chunks, err := tok.EncodePrompt(strings.Repeat("cat ", 100), nil)
	require.NoError(t, err)
	require.Len(t, chunks, 2)
	first, _ := checkChunk(t, tok, chunks[0])
	second, _ := checkChunk(t, tok, chunks[1])
	assert.Len(t, first, 75)
	assert.Len(t, second, 25)
}

func TestEncodePromptCommaBacktrack(t *testing.T) {
	tok := sd1(t)
	// A comma at index 70: the chunk breaks after it and the 4 tokens that followed move on.
	chunks, err := tok.EncodePrompt(strings.Repeat("a ", 70)+","+strings.Repeat(" b", 10), nil)
	require.NoError(t, err)
	require.Len(t, chunks, 2)
	first, _ := checkChunk(t, tok, chunks[0])
	second, _ := checkChunk(t, tok, chunks[1])
	assert.Equal(t, tok.Encode(strings.Repeat("a ", 70)+","), first)
	assert.Equal(t, tok.Encode(strings.Repeat("b ", 10)), second)

	// A comma more than CommaBacktrack tokens back is ignored.
	chunks, err = tok.EncodePrompt(strings.Repeat("a ", 50)+","+strings.Repeat(" b", 30), nil)
	require.NoError(t, err)
	require.Len(t, chunks, 2)
	first, _ = checkChunk(t, tok, chunks[0])
	assert.Len(t, first, 75)
}

func TestEncodePromptBreak(t *testing.T) {
	tok := sd1(t)
	chunks, err := tok.EncodePrompt("a cat BREAK (a dog)", nil)
	require.NoError(t, err)
	require.Len(t, chunks, 2)
	first, _ := checkChunk(t, tok, chunks[0])
	second, weights := checkChunk(t, tok, chunks[1])
	assert.Equal(t, tok.Encode("a cat"), first)
	assert.Equal(t, tok.Encode("a dog"), second)
	assert.Equal(t, []float32{1.1, 1.1}, weights)

	chunks, err = tok.EncodePrompt("BREAK a", nil)
	require.NoError(t, err)
	require.Len(t, chunks, 2)
	assert.Equal(t, 0, chunks[0].Tokens)
}

func TestEncodePromptEmbeddings(t *testing.T) {
	tok := sd1(t)
	emb := map[string]int{"myStyle": 3, "my": 1, "bad-hands": 2}
	chunks, err := tok.EncodePrompt("a <MyStyle> cat, (mystyle), mystyles, bad-hands!", emb)
	require.NoError(t, err)
	require.Len(t, chunks, 1)
	ids, weights := checkChunk(t, tok, chunks[0])
	c := chunks[0]
	assert.Equal(t, []EmbeddingSlot{{"myStyle", 2, 3}, {"myStyle", 7, 3}, {"bad-hands", 14, 2}}, c.Embeddings)
	want := append([]int{320}, EmbeddingPlaceholderID, EmbeddingPlaceholderID, EmbeddingPlaceholderID)
	want = append(want, tok.Encode("cat,")...)
	assert.Equal(t, want, ids[:6])
	assert.Equal(t, []float32{1.1, 1.1, 1.1}, weights[6:9])
	assert.Equal(t, tok.Encode(", mystyles,"), ids[9:13])
}

func TestEncodePromptEmbeddingNotSplit(t *testing.T) {
	tok := sd1(t)
	chunks, err := tok.EncodePrompt(strings.Repeat("a ", 74)+"emb", map[string]int{"emb": 3})
	require.NoError(t, err)
	require.Len(t, chunks, 2)
	assert.Equal(t, 74, chunks[0].Tokens)
	assert.Equal(t, []EmbeddingSlot{{"emb", 1, 3}}, chunks[1].Embeddings)
}

func TestEncodePromptEmbeddingErrors(t *testing.T) {
	tok := sd1(t)
	for _, emb := range []map[string]int{{"x": 0}, {"x": 76}, {"": 1}} {
		_, err := tok.EncodePrompt("x", emb)
		assert.Error(t, err, "%v", emb)
		_, _, err = tok.EncodePromptPair("x", "y", emb)
		assert.Error(t, err, "%v", emb)
	}
}

func TestEncodePromptPair(t *testing.T) {
	tok := sd1(t)
	pos, neg, err := tok.EncodePromptPair(strings.Repeat("cat ", 160), "blurry", nil)
	require.NoError(t, err)
	require.Len(t, pos, 3)
	require.Len(t, neg, 3)
	empty, err := tok.EncodePrompt("", nil)
	require.NoError(t, err)
	assert.Equal(t, empty[0], neg[1])
	assert.Equal(t, empty[0], neg[2])

	pos, neg, err = tok.EncodePromptPair("", "a BREAK b", nil)
	require.NoError(t, err)
	assert.Len(t, pos, 2)
	assert.Len(t, neg, 2)
}
