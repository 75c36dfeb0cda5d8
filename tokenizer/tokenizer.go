// Package tokenizer turns prompts into CLIP token ids for Stable Diffusion 1.x/2.x.
//
// It reproduces transformers' CLIPTokenizer (with ftfy) id for id: text clean-up
// (HTML entities, mojibake, ligatures, full-width forms, curly quotes, NFC), whitespace
// collapsed, lower-casing, CLIP's pre-tokenizer, and byte-level BPE over the 49,408-token
// vocabulary, which is embedded in the binary. On top of that it parses the prompt
// syntax of AUTOMATIC1111 and stable-diffusion.cpp ((emphasis), [de-emphasis],
// (text:1.3), BREAK), splits long prompts into 77-id windows, and marks textual-inversion
// embeddings.
package tokenizer

import (
	"fmt"
	"strings"
)

// Tokenizer encodes text with a vocabulary and pads windows with a pad id. It is safe
// for concurrent use.
type Tokenizer struct {
	vocab *Vocabulary
	padID int
	// specials are matched literally in the raw text before clean-up, as transformers
	// does with its added tokens (start, end and pad token).
	specials []special
	cache    wordCache
}

type special struct {
	text string
	id   int
}

// New returns a tokenizer that pads with padID: EndID for SD1's CLIP, OpenCLIPPadID for
// SD2. As in transformers, the pad token's text (e.g. "!" for id 0) is treated as a
// special token: it is cut out of the text before clean-up and always encodes to padID.
func New(v *Vocabulary, padID int) (*Tokenizer, error) {
	pad, ok := v.Token(padID)
	if !ok {
		return nil, fmt.Errorf("tokenizer: pad id %d outside the vocabulary (0..%d)", padID, v.Len()-1)
	}
	t := &Tokenizer{vocab: v, padID: padID, specials: []special{{startToken, StartID}, {endToken, EndID}}}
	if padID != StartID && padID != EndID {
		t.specials = append(t.specials, special{pad, padID})
	}
	return t, nil
}

// NewCLIP returns a tokenizer over the embedded CLIP vocabulary that pads with padID.
func NewCLIP(padID int) (*Tokenizer, error) {
	v, err := EmbeddedVocabulary()
	if err != nil {
		return nil, err
	}
	return New(v, padID)
}

// WithPadID returns a tokenizer over the same vocabulary that pads with padID.
func (t *Tokenizer) WithPadID(padID int) (*Tokenizer, error) { return New(t.vocab, padID) }

// PadID returns the id that fills windows after the end token.
func (t *Tokenizer) PadID() int { return t.padID }

// Token returns the vocabulary string of an id, such as "cat</w>".
func (t *Tokenizer) Token(id int) (string, bool) { return t.vocab.Token(id) }

// Encode returns the token ids of text, without start and end tokens and without any
// length limit. Literal "<|startoftext|>", "<|endoftext|>" and the pad token become
// their ids.
func (t *Tokenizer) Encode(text string) []int {
	var ids []int
	for text != "" {
		at, sp := t.nextSpecial(text)
		ids = t.appendText(ids, text[:at])
		if sp == nil {
			break
		}
		ids = append(ids, sp.id)
		text = text[at+len(sp.text):]
	}
	return ids
}

// nextSpecial finds the first special token in text (the longest of those starting
// there), or returns len(text) and nil.
func (t *Tokenizer) nextSpecial(text string) (int, *special) {
	for at := 0; at < len(text); at++ {
		var found *special
		for i := range t.specials {
			sp := &t.specials[i]
			if strings.HasPrefix(text[at:], sp.text) && (found == nil || len(sp.text) > len(found.text)) {
				found = sp
			}
		}
		if found != nil {
			return at, found
		}
	}
	return len(text), nil
}

// appendText cleans text, pre-tokenizes it and appends the BPE ids of each word.
func (t *Tokenizer) appendText(ids []int, text string) []int {
	if text == "" {
		return ids
	}
	pretokenize(cleanText(text), func(word string) {
		switch word {
		case startToken:
			ids = append(ids, StartID)
		case endToken:
			ids = append(ids, EndID)
		default:
			ids = append(ids, t.wordIDs(word)...)
		}
	})
	return ids
}

func (t *Tokenizer) wordIDs(word string) []int {
	if ids, ok := t.cache.get(word); ok {
		return ids
	}
	ids := t.vocab.bpe(word)
	t.cache.put(word, ids)
	return ids
}

// EncodeWindow returns the ContextLength ids a text encoder takes for text: the start
// id, the first ChunkLength token ids, the end id, then the pad id; and the number of
// ids before truncation and padding (tokens + 2), which exceeds ContextLength when text
// was truncated.
func (t *Tokenizer) EncodeWindow(text string) (window []int, untruncated int) {
	ids := t.Encode(text)
	return t.window(ids[:min(len(ids), ChunkLength)]), len(ids) + 2
}

// window wraps at most ChunkLength ids in start and end ids and pads to ContextLength.
func (t *Tokenizer) window(ids []int) []int {
	w := make([]int, 0, ContextLength)
	w = append(w, StartID)
	w = append(w, ids...)
	w = append(w, EndID)
	for len(w) < ContextLength {
		w = append(w, t.padID)
	}
	return w
}

// Decode turns ids back into text as the reference tokenizers do: token strings are
// concatenated, mapped back to bytes, "</w>" becomes a space and the ends are trimmed.
// Special tokens appear as their text. Invalid UTF-8 becomes U+FFFD.
func (t *Tokenizer) Decode(ids []int) (string, error) {
	var raw []byte
	for i, id := range ids {
		tok, ok := t.vocab.Token(id)
		if !ok {
			return "", fmt.Errorf("decode: id %d at position %d outside the vocabulary (0..%d)", id, i, t.vocab.Len()-1)
		}
		for _, r := range tok {
			b, ok := symbolByte[r]
			if !ok {
				return "", fmt.Errorf("decode: token %d %q: %q is not a byte symbol", id, tok, r)
			}
			raw = append(raw, b)
		}
	}
	text := strings.ReplaceAll(string(raw), wordEnd, " ")
	return strings.TrimSpace(strings.ToValidUTF8(text, "\uFFFD")), nil
}
