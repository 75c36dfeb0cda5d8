package tokenizer

import (
	"fmt"
	"sort"
)

// CommaBacktrack is how far back (in tokens) a full chunk looks for a comma to break at,
// AUTOMATIC1111's "comma padding backtrack" default.
const CommaBacktrack = 20

// EmbeddingPlaceholderID is the id at positions whose vectors come from a
// textual-inversion embedding; the text encoder replaces their token embeddings.
const EmbeddingPlaceholderID = 0

// Chunk is one ContextLength-id window of a prompt: the start id, up to ChunkLength
// prompt tokens, the end id, then the pad id (the layout of transformers and diffusers).
type Chunk struct {
	IDs []int
	// Weights holds each position's emphasis (1 at the start, end and padding); see
	// ApplyEmphasis.
	Weights []float32
	// Embeddings lists the textual-inversion slots in this chunk, by position.
	Embeddings []EmbeddingSlot
	// Tokens is the number of prompt positions (between the start and end ids).
	Tokens int
}

// EmbeddingSlot marks Vectors consecutive positions, starting at Pos in Chunk.IDs, that
// take the vectors of the named textual-inversion embedding in order.
type EmbeddingSlot struct {
	Name    string
	Pos     int
	Vectors int
}

// EncodePrompt encodes a prompt with emphasis syntax (see ParseAttention) into as many
// chunks as it needs. Each fragment is tokenized on its own; a chunk holds ChunkLength
// tokens, and when one fills up while a comma lies within the last CommaBacktrack
// tokens, the tokens after that comma move to the next chunk. BREAK starts a new chunk.
// embeddings maps textual-inversion names to their vector counts: "<name>" or the bare
// word "name" (case-insensitive) in the prompt becomes that many placeholder positions,
// never split across chunks. An empty prompt gives one chunk.
func (t *Tokenizer) EncodePrompt(prompt string, embeddings map[string]int) ([]Chunk, error) {
	names, err := embeddingNames(embeddings)
	if err != nil {
		return nil, err
	}
	b := t.newChunkBuilder()
	for _, f := range ParseAttention(prompt) {
		if f.Break {
			b.flush()
			continue
		}
		for _, seg := range splitEmbeddings(f.Text, names) {
			if seg.embedding != "" {
				b.addEmbedding(seg.embedding, embeddings[seg.embedding], f.Weight)
				continue
			}
			for _, id := range t.Encode(seg.text) {
				b.addToken(id, f.Weight)
			}
		}
	}
	if len(b.ids) > 0 || len(b.chunks) == 0 {
		b.flush()
	}
	return b.chunks, nil
}

// EncodePromptPair encodes a positive and a negative prompt and pads the shorter list
// with empty-prompt chunks so that both have the same number of chunks, as classifier-
// free guidance needs.
func (t *Tokenizer) EncodePromptPair(positive, negative string, embeddings map[string]int) (pos, neg []Chunk, err error) {
	if pos, err = t.EncodePrompt(positive, embeddings); err != nil {
		return nil, nil, fmt.Errorf("positive prompt: %w", err)
	}
	if neg, err = t.EncodePrompt(negative, embeddings); err != nil {
		return nil, nil, fmt.Errorf("negative prompt: %w", err)
	}
	for len(pos) < len(neg) {
		pos = append(pos, t.emptyChunk())
	}
	for len(neg) < len(pos) {
		neg = append(neg, t.emptyChunk())
	}
	return pos, neg, nil
}

func (t *Tokenizer) emptyChunk() Chunk {
	b := t.newChunkBuilder()
	b.flush()
	return b.chunks[0]
}

// embeddingNames validates the embedding table and returns its names, longest first so
// that the longest name wins where several match.
func embeddingNames(embeddings map[string]int) ([]string, error) {
	names := make([]string, 0, len(embeddings))
	for name, n := range embeddings {
		if name == "" {
			return nil, fmt.Errorf("embedding with an empty name")
		}
		if n < 1 || n > ChunkLength {
			return nil, fmt.Errorf("embedding %q has %d vectors; a chunk holds 1..%d", name, n, ChunkLength)
		}
		names = append(names, name)
	}
	sort.Slice(names, func(i, j int) bool {
		if len(names[i]) != len(names[j]) {
			return len(names[i]) > len(names[j])
		}
		return names[i] < names[j]
	})
	return names, nil
}

// chunkBuilder accumulates the tokens of the chunk being filled.
type chunkBuilder struct {
	tok       *Tokenizer
	comma     int
	chunks    []Chunk
	ids       []int
	weights   []float32
	slots     []EmbeddingSlot // Pos relative to ids
	lastComma int             // index in ids of the last comma, or -1
}

func (t *Tokenizer) newChunkBuilder() *chunkBuilder {
	comma, ok := t.vocab.ID("," + wordEnd)
	if !ok {
		comma = -1
	}
	return &chunkBuilder{tok: t, comma: comma, lastComma: -1}
}

func (b *chunkBuilder) addToken(id int, weight float64) {
	if id == b.comma {
		b.lastComma = len(b.ids)
	} else {
		b.backtrackToComma()
	}
	if len(b.ids) == ChunkLength {
		b.flush()
	}
	b.ids = append(b.ids, id)
	b.weights = append(b.weights, float32(weight))
}

func (b *chunkBuilder) addEmbedding(name string, vectors int, weight float64) {
	b.backtrackToComma()
	if len(b.ids)+vectors > ChunkLength {
		b.flush()
	}
	b.slots = append(b.slots, EmbeddingSlot{Name: name, Pos: len(b.ids), Vectors: vectors})
	for range vectors {
		b.ids = append(b.ids, EmbeddingPlaceholderID)
		b.weights = append(b.weights, float32(weight))
	}
}

// backtrackToComma ends a full chunk at its last comma, if that is recent enough, and
// carries the tokens after it over to the next chunk.
func (b *chunkBuilder) backtrackToComma() {
	if len(b.ids) != ChunkLength || b.lastComma < 0 || len(b.ids)-b.lastComma > CommaBacktrack {
		return
	}
	cut := b.lastComma + 1
	ids := append([]int(nil), b.ids[cut:]...)
	weights := append([]float32(nil), b.weights[cut:]...)
	var moved, kept []EmbeddingSlot
	for _, s := range b.slots {
		if s.Pos >= cut {
			s.Pos -= cut
			moved = append(moved, s)
		} else {
			kept = append(kept, s)
		}
	}
	b.ids, b.weights, b.slots = b.ids[:cut], b.weights[:cut], kept
	b.flush()
	b.ids, b.weights, b.slots = ids, weights, moved
}

// flush closes the current chunk (start, tokens, end, padding) and starts a new one.
func (b *chunkBuilder) flush() {
	c := Chunk{IDs: b.tok.window(b.ids), Weights: make([]float32, ContextLength), Tokens: len(b.ids)}
	for i := range c.Weights {
		c.Weights[i] = 1
	}
	copy(c.Weights[1:], b.weights)
	for _, s := range b.slots {
		s.Pos++
		c.Embeddings = append(c.Embeddings, s)
	}
	b.chunks = append(b.chunks, c)
	b.ids, b.weights, b.slots, b.lastComma = nil, nil, nil, -1
}
