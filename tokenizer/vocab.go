package tokenizer

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
)

// CLIP's special token ids and window sizes.
const (
	StartID       = 49406 // <|startoftext|>
	EndID         = 49407 // <|endoftext|>, also SD1's pad id
	OpenCLIPPadID = 0     // "!", the pad id of SD2 / OpenCLIP text encoders
	ContextLength = 77    // ids per text-encoder window: start, ChunkLength tokens, end
	ChunkLength   = ContextLength - 2
	startToken    = "<|startoftext|>"
	endToken      = "<|endoftext|>"
	wordEnd       = "</w>"
	// maxMerges is how many merges CLIP uses (49152 - 256 - 2); later lines of a merges
	// file are ignored, as the reference tokenizers do.
	maxMerges = 49152 - 256 - 2
)

// clipMerges is OpenAI CLIP's merges.txt (the first 48,894 merges of
// bpe_simple_vocab_16e6.txt), gzipped; the 49,408-token vocabulary is derived from it.
//
//go:embed clip_merges.txt.gz
var clipMerges []byte

// Vocabulary is a byte-level BPE vocabulary: token strings (bytes written with the
// GPT-2 byte-to-unicode symbols, word-final tokens ending in "</w>"), their ids, and
// the merge ranks.
type Vocabulary struct {
	tokens    []string
	ids       map[string]int
	byteID    [256]int // id of each byte's symbol
	byteEndID [256]int // id of each byte's symbol + "</w>"
	merges    map[uint64]merge
}

// merge is one BPE rule: a pair of adjacent symbols with this rank becomes result.
type merge struct {
	rank, result int
}

func pairKey(left, right int) uint64 { return uint64(uint32(left))<<32 | uint64(uint32(right)) }

var embedded = sync.OnceValues(func() (*Vocabulary, error) {
	zr, err := gzip.NewReader(bytes.NewReader(clipMerges))
	if err != nil {
		return nil, fmt.Errorf("embedded CLIP merges: %w", err)
	}
	lines, err := readMerges(zr)
	if err != nil {
		return nil, fmt.Errorf("embedded CLIP merges: %w", err)
	}
	return newVocabulary(deriveTokens(lines), lines)
})

// EmbeddedVocabulary returns CLIP's 49,408-token vocabulary compiled into the binary.
// It is built once and shared.
func EmbeddedVocabulary() (*Vocabulary, error) { return embedded() }

// ReadVocabulary builds a vocabulary from a diffusers/transformers vocab.json
// (token → id, ids 0..n-1) and merges.txt (a header line, then one "left right" merge
// per line in rank order).
func ReadVocabulary(vocabJSON, mergesTxt io.Reader) (*Vocabulary, error) {
	var ids map[string]int
	if err := json.NewDecoder(vocabJSON).Decode(&ids); err != nil {
		return nil, fmt.Errorf("vocab.json: %w", err)
	}
	tokens := make([]string, len(ids))
	for tok, id := range ids {
		if id < 0 || id >= len(ids) || tokens[id] != "" {
			return nil, fmt.Errorf("vocab.json: token %q has id %d: ids must be 0..%d, each used once", tok, id, len(ids)-1)
		}
		tokens[id] = tok
	}
	lines, err := readMerges(mergesTxt)
	if err != nil {
		return nil, fmt.Errorf("merges.txt: %w", err)
	}
	return newVocabulary(tokens, lines)
}

// readMerges returns the merge pairs of a merges file: the first line (the
// "#version" header) is skipped, as are lines past maxMerges.
func readMerges(r io.Reader) ([][2]string, error) {
	sc := bufio.NewScanner(r)
	var pairs [][2]string
	for line := 0; sc.Scan() && len(pairs) < maxMerges; line++ {
		text := strings.TrimSpace(sc.Text())
		if line == 0 || text == "" {
			continue
		}
		f := strings.Fields(text)
		if len(f) != 2 {
			return nil, fmt.Errorf("line %d: want two symbols, got %q", line+1, text)
		}
		pairs = append(pairs, [2]string{f[0], f[1]})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return pairs, nil
}

// deriveTokens builds CLIP's token list from its merges as OpenAI's tokenizer does:
// the 256 byte symbols, the same with "</w>", one token per merge, then the start
// and end tokens.
func deriveTokens(merges [][2]string) []string {
	tokens := make([]string, 0, 512+len(merges)+2)
	for _, r := range byteSymbolOrder() {
		tokens = append(tokens, string(r))
	}
	for i := range 256 {
		tokens = append(tokens, tokens[i]+wordEnd)
	}
	for _, m := range merges {
		tokens = append(tokens, m[0]+m[1])
	}
	return append(tokens, startToken, endToken)
}

func newVocabulary(tokens []string, merges [][2]string) (*Vocabulary, error) {
	v := &Vocabulary{tokens: tokens, ids: make(map[string]int, len(tokens)), merges: make(map[uint64]merge, len(merges))}
	for id, tok := range tokens {
		v.ids[tok] = id
	}
	for _, special := range []struct {
		tok string
		id  int
	}{{startToken, StartID}, {endToken, EndID}} {
		if id, ok := v.ids[special.tok]; !ok || id != special.id {
			return nil, fmt.Errorf("vocabulary: %s must have id %d", special.tok, special.id)
		}
	}
	for b := range 256 {
		sym := string(byteSymbol[b])
		id, ok1 := v.ids[sym]
		endID, ok2 := v.ids[sym+wordEnd]
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("vocabulary: byte 0x%02x: symbol %q or %q missing", b, sym, sym+wordEnd)
		}
		v.byteID[b], v.byteEndID[b] = id, endID
	}
	for rank, m := range merges {
		left, ok1 := v.ids[m[0]]
		right, ok2 := v.ids[m[1]]
		result, ok3 := v.ids[m[0]+m[1]]
		if !ok1 || !ok2 || !ok3 {
			return nil, fmt.Errorf("vocabulary: merge %d (%q %q) uses a token missing from the vocabulary", rank+1, m[0], m[1])
		}
		v.merges[pairKey(left, right)] = merge{rank: rank, result: result} // a repeated pair keeps its last rank, as in the reference
	}
	return v, nil
}

// Len returns the number of tokens.
func (v *Vocabulary) Len() int { return len(v.tokens) }

// ID returns the id of a token string such as "cat</w>".
func (v *Vocabulary) ID(token string) (int, bool) {
	id, ok := v.ids[token]
	return id, ok
}

// Token returns the token string of an id.
func (v *Vocabulary) Token(id int) (string, bool) {
	if id < 0 || id >= len(v.tokens) {
		return "", false
	}
	return v.tokens[id], true
}
