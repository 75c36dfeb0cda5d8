package tokenizer

import (
	"strings"
	"testing"
	"unicode/utf8"
)

var fuzzSeeds = []string{
	"", "a photo of a cat", "(masterpiece:1.2), best quality, [blurry:0.5]", `\(literal\) \\ x\`,
	"a BREAK b", "((a)) [[b]] (c:-1) (d:1e5) (e:.) :", "<emb> emb, <|endoftext|> !", "cafÃ© &amp;amp; ＡＢＣ ｶﾞ e\u0301",
	"ΟΔΟΣ İ \x1b[1m \xff\xfe", strings.Repeat("word, ", 60),
}

func FuzzParseAttention(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, prompt string) {
		frags := ParseAttention(prompt)
		if len(frags) == 0 {
			t.Fatal("no fragments")
		}
		for _, fr := range frags {
			if fr.Break && fr.Text != "" {
				t.Fatalf("break fragment with text %q", fr.Text)
			}
		}
		if !strings.ContainsAny(prompt, syntaxChars) && !strings.Contains(prompt, breakKeyword) {
			if len(frags) != 1 || frags[0].Text != prompt || frags[0].Weight != 1 {
				t.Fatalf("plain prompt %q parsed as %v", prompt, frags)
			}
		}
	})
}

func FuzzTokenize(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	tok := sd1(f)
	vocabSize := tok.vocab.Len()
	f.Fuzz(func(t *testing.T, text string) {
		window, n := tok.EncodeWindow(text)
		if len(window) != ContextLength || n < 2 {
			t.Fatalf("window of %d ids, untruncated length %d", len(window), n)
		}
		ids := tok.Encode(text)
		for _, id := range ids {
			if id < 0 || id >= vocabSize {
				t.Fatalf("id %d out of range", id)
			}
		}
		if _, err := tok.Decode(ids); err != nil {
			t.Fatal(err)
		}
		chunks, err := tok.EncodePrompt(text, map[string]int{"emb": 2, "b": 75})
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range chunks {
			if len(c.IDs) != ContextLength || len(c.Weights) != ContextLength || c.Tokens > ChunkLength {
				t.Fatalf("bad chunk %+v", c)
			}
			for _, s := range c.Embeddings {
				if s.Pos < 1 || s.Pos+s.Vectors > c.Tokens+1 {
					t.Fatalf("embedding slot %+v outside the chunk's %d tokens", s, c.Tokens)
				}
			}
		}
		if isLowerASCIIWords(text) {
			if got, _ := tok.Decode(ids); got != text {
				t.Fatalf("round trip %q -> %v -> %q", text, ids, got)
			}
		}
	})
}

// isLowerASCIIWords reports text made of lower-case ASCII words separated by single spaces.
func isLowerASCIIWords(text string) bool {
	if text == "" || !utf8.ValidString(text) {
		return false
	}
	for _, w := range strings.Split(text, " ") {
		if w == "" || strings.Trim(w, "abcdefghijklmnopqrstuvwxyz") != "" {
			return false
		}
	}
	return true
}
