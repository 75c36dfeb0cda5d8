package tokenizer

import (
	"math"
	"sync"
)

// maxCachedWords bounds the word cache; it is emptied when full.
const maxCachedWords = 1 << 16

// wordCache remembers the BPE ids of words already seen. It is safe for concurrent use.
type wordCache struct {
	mu    sync.RWMutex
	words map[string][]int
}

func (c *wordCache) get(word string) ([]int, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	ids, ok := c.words[word]
	return ids, ok
}

func (c *wordCache) put(word string, ids []int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.words == nil || len(c.words) >= maxCachedWords {
		c.words = make(map[string][]int)
	}
	c.words[word] = ids
}

// bpe returns the ids of one pre-tokenized word: its UTF-8 bytes become byte symbols,
// the last one marked as word end, and the lowest-ranked adjacent pair is merged
// (every occurrence, left to right) until no pair has a merge rule.
func (v *Vocabulary) bpe(word string) []int {
	ids := make([]int, len(word))
	for i := 0; i < len(word); i++ {
		ids[i] = v.byteID[word[i]]
	}
	if len(ids) == 0 {
		return ids
	}
	ids[len(ids)-1] = v.byteEndID[word[len(word)-1]]
	for len(ids) > 1 {
		best := merge{rank: math.MaxInt}
		var left, right int
		for i := 0; i+1 < len(ids); i++ {
			if m, ok := v.merges[pairKey(ids[i], ids[i+1])]; ok && m.rank < best.rank {
				best, left, right = m, ids[i], ids[i+1]
			}
		}
		if best.rank == math.MaxInt {
			break
		}
		out := ids[:0]
		for i := 0; i < len(ids); i++ {
			if i+1 < len(ids) && ids[i] == left && ids[i+1] == right {
				out = append(out, best.result)
				i++
			} else {
				out = append(out, ids[i])
			}
		}
		ids = out
	}
	return ids
}
