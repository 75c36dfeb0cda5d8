package tokenizer

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func sd1(t testing.TB) *Tokenizer {
	t.Helper()
	tok, err := NewCLIP(EndID)
	require.NoError(t, err)
	return tok
}

func TestEmbeddedVocabulary(t *testing.T) {
	v, err := EmbeddedVocabulary()
	require.NoError(t, err)
	assert.Equal(t, 49408, v.Len())
	for tok, id := range map[string]int{"!": 0, "!</w>": 256, ",</w>": 267, "cat</w>": 2368, startToken: StartID, endToken: EndID} {
		got, ok := v.ID(tok)
		assert.True(t, ok, tok)
		assert.Equal(t, id, got, tok)
		back, ok := v.Token(id)
		assert.True(t, ok)
		assert.Equal(t, tok, back)
	}
	_, ok := v.Token(v.Len())
	assert.False(t, ok)
	_, ok = v.Token(-1)
	assert.False(t, ok)
}

// vocabFiles writes the embedded vocabulary as diffusers' vocab.json and merges.txt.
func vocabFiles(t testing.TB) (vocabJSON, mergesTxt string) {
	t.Helper()
	v, err := EmbeddedVocabulary()
	require.NoError(t, err)
	raw, err := json.Marshal(v.ids)
	require.NoError(t, err)
	merges := make([]string, len(v.merges)+1)
	merges[0] = "#version: 0.2"
	for key, m := range v.merges {
		left, _ := v.Token(int(key >> 32))
		right, _ := v.Token(int(uint32(key)))
		merges[m.rank+1] = left + " " + right
	}
	return string(raw), strings.Join(merges, "\n") + "\n"
}

func TestReadVocabularyMatchesEmbedded(t *testing.T) {
	vocabJSON, mergesTxt := vocabFiles(t)
	v, err := ReadVocabulary(strings.NewReader(vocabJSON), strings.NewReader(mergesTxt))
	require.NoError(t, err)
	tok, err := New(v, EndID)
	require.NoError(t, err)
	for _, p := range []string{"a photograph of an astronaut riding a horse", "Crème brûlée, 日本の桜 🎉", "hyphen-ated well-known"} {
		assert.Equal(t, sd1(t).Encode(p), tok.Encode(p), p)
	}
}

func TestReadVocabularyErrors(t *testing.T) {
	vocabJSON, mergesTxt := vocabFiles(t)
	for name, c := range map[string]struct{ vocab, merges, want string }{
		"bad json":        {"{", mergesTxt, "vocab.json"},
		"sparse ids":      {`{"a": 0, "b": 5}`, mergesTxt, "ids must be"},
		"no specials":     {`{"a": 0}`, "#version\n", "must have id"},
		"bad merge line":  {vocabJSON, "#version\na b c\n", "line 2"},
		"unknown merge":   {vocabJSON, "#version\nzzzq zzzq\n", "missing from the vocabulary"},
		"missing symbols": {strings.Replace(vocabJSON, `"!":0`, `"no such token":0`, 1), "#version\n", "byte 0x21"},
	} {
		_, err := ReadVocabulary(strings.NewReader(c.vocab), strings.NewReader(c.merges))
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), c.want, name)
	}
}

func TestNewRejectsPadOutsideVocabulary(t *testing.T) {
	for _, id := range []int{-1, 49408} {
		_, err := NewCLIP(id)
		assert.Error(t, err)
	}
}

func TestEncode(t *testing.T) {
	tok := sd1(t)
	assert.Empty(t, tok.Encode(""))
	assert.Empty(t, tok.Encode("  \t\n "))
	assert.Equal(t, []int{320, 2368}, tok.Encode("A  cat"))
	assert.Equal(t, []int{320, EndID, 2368}, tok.Encode("a<|endoftext|>cat"), "special tokens are cut out before clean-up")
	assert.Equal(t, []int{StartID, EndID}, tok.Encode("&lt;|startoftext|&gt;<|endoftext|>"), "the pre-tokenizer also knows them")
	assert.Equal(t, []int{1002, 256}, tok.Encode("world!"))

	sd2, err := tok.WithPadID(OpenCLIPPadID)
	require.NoError(t, err)
	assert.Equal(t, OpenCLIPPadID, sd2.PadID())
	assert.Equal(t, []int{1002, 0}, sd2.Encode("world!"), `SD2's pad token "!" is a special token`)
}

func TestEncodeWindowTruncates(t *testing.T) {
	tok := sd1(t)
	window, n := tok.EncodeWindow(strings.Repeat("cat ", 100))
	assert.Equal(t, 102, n)
	require.Len(t, window, ContextLength)
	assert.Equal(t, StartID, window[0])
	assert.Equal(t, EndID, window[ContextLength-1])
	for _, id := range window[1 : ContextLength-1] {
		assert.Equal(t, 2368, id)
	}
}

func TestDecode(t *testing.T) {
	tok := sd1(t)
	for _, text := range []string{"a photo of a cat", "café", "日本の桜", "🎉🎉 party"} {
		got, err := tok.Decode(tok.Encode(text))
		require.NoError(t, err)
		assert.Equal(t, text, got)
	}
	got, err := tok.Decode([]int{StartID, 2368, EndID})
	require.NoError(t, err)
	assert.Equal(t, "<|startoftext|>cat <|endoftext|>", got)
	_, err = tok.Decode([]int{1, 49408})
	assert.ErrorContains(t, err, "position 1")
}

func TestPretokenize(t *testing.T) {
	for text, want := range map[string][]string{
		"what's up?!":       {"what", "'s", "up", "?!"},
		"?'s":               {"?'", "s"},
		"they'll 've'd":     {"they", "'ll", "'ve", "'d"},
		"2024":              {"2", "0", "2", "4"},
		"c++ #x":            {"c", "++", "#", "x"},
		"a<|endoftext|>b":   {"a", "<|endoftext|>", "b"},
		"?<|endoftext|>":    {"?<|", "endoftext", "|>"},
		"日本の木 ١٢":           {"日本の木", "١", "٢"},
		"x\u0301 🐱🐱":        {"x", "\u0301", "🐱🐱"},
		"it'ſ":              {"it", "'ſ"},
		"\xff\xfe":          {"\xff\xfe"},
		"e.g. ok. .":        {"e", ".", "g", ".", "ok", ".", "."},
		"name_with_under":   {"name", "_", "with", "_", "under"},
		"mixed123abc":       {"mixed", "1", "2", "3", "abc"},
		"   ":               nil,
		"'":                 {"'"},
		"'x":                {"'", "x"},
		"a'":                {"a", "'"},
		"<|startoftext|>x":  {"<|startoftext|>", "x"},
		"<|startoftext|":    {"<|", "startoftext", "|"},
		"don't":             {"don", "'t"},
		"'re're":            {"'re", "'re"},
		"\u3000ideographic": {"ideographic"},
	} {
		var got []string
		pretokenize(text, func(w string) { got = append(got, w) })
		assert.Equal(t, want, got, "%q", text)
	}
}

func TestConcurrentEncode(t *testing.T) {
	tok := sd1(t)
	want := tok.Encode("a painting of a fox sitting in a field at sunrise")
	done := make(chan []int)
	for range 8 {
		go func() { done <- tok.Encode("a painting of a fox sitting in a field at sunrise") }()
	}
	for range 8 {
		assert.Equal(t, want, <-done)
	}
}

func BenchmarkTokenize(b *testing.B) {
	prompts := loadCase(b, "tokenizer_sd1").Inputs.Prompts
	tok := sd1(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tok.EncodeWindow(prompts[i%len(prompts)])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "prompts/s")
}
