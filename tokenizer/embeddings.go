package tokenizer

import (
	"strings"
	"unicode/utf8"
)

// segment is a piece of fragment text: plain text, or a recognised embedding name.
type segment struct {
	text      string
	embedding string
}

// splitEmbeddings cuts the embedding references out of text: "<name>" anywhere, or the
// bare name as a whole word, compared case-insensitively. names is sorted longest first.
func splitEmbeddings(text string, names []string) []segment {
	if len(names) == 0 {
		return []segment{{text: text}}
	}
	var out []segment
	plain := 0
	for i := 0; i < len(text); {
		name, n := matchEmbedding(text, i, names)
		if n == 0 {
			_, size := utf8.DecodeRuneInString(text[i:])
			i += size
			continue
		}
		if plain < i {
			out = append(out, segment{text: text[plain:i]})
		}
		out = append(out, segment{embedding: name})
		i += n
		plain = i
	}
	if plain < len(text) || len(out) == 0 {
		out = append(out, segment{text: text[plain:]})
	}
	return out
}

// matchEmbedding returns the embedding referenced at text[i:] and the reference's byte
// length, or "" and 0.
func matchEmbedding(text string, i int, names []string) (string, int) {
	rest := text[i:]
	for _, name := range names {
		if len(rest) >= len(name)+2 && rest[0] == '<' && rest[len(name)+1] == '>' && strings.EqualFold(rest[1:len(name)+1], name) {
			return name, len(name) + 2
		}
	}
	for _, name := range names {
		if len(rest) >= len(name) && strings.EqualFold(rest[:len(name)], name) &&
			isolated(text, i, name, true) && isolated(text, i+len(name), name, false) {
			return name, len(name)
		}
	}
	return "", 0
}

// isolated reports whether name, starting (start) or ending (!start) at byte offset i of
// text, is not glued to a neighbouring word rune there.
func isolated(text string, i int, name string, start bool) bool {
	edge, _ := utf8.DecodeRuneInString(name)
	if !start {
		edge, _ = utf8.DecodeLastRuneInString(name)
	}
	if !isWordRune(edge) {
		return true
	}
	return wordBoundary(text, i)
}
