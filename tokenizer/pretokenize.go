package tokenizer

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// pretokenize splits cleaned, lower-cased text into the words BPE works on, as CLIP's
// regular expression does (first alternative that matches at each position):
//
//	<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+
//
// Whitespace between words is dropped. yield is called with each word in order.
func pretokenize(text string, yield func(word string)) {
	for i := 0; i < len(text); {
		n := wordLength(text[i:])
		if n > 0 {
			yield(text[i : i+n])
			i += n
			continue
		}
		_, size := utf8.DecodeRuneInString(text[i:])
		i += size
	}
}

// wordLength returns the byte length of the word starting text, or 0 at whitespace.
func wordLength(text string) int {
	for _, special := range [...]string{startToken, endToken} {
		if strings.HasPrefix(text, special) {
			return len(special)
		}
	}
	if n := contractionLength(text); n > 0 {
		return n
	}
	r, size := utf8.DecodeRuneInString(text)
	switch {
	case unicode.IsLetter(r):
		return size + runLength(text[size:], unicode.IsLetter)
	case unicode.IsNumber(r):
		return size
	case unicode.IsSpace(r):
		return 0
	}
	return size + runLength(text[size:], isSymbol)
}

// contractionLength matches 's 't 're 've 'm 'll 'd (case-insensitively, so the long
// s "ſ" counts as "s").
func contractionLength(text string) int {
	rest, ok := strings.CutPrefix(text, "'")
	if !ok {
		return 0
	}
	for _, suffix := range [...]string{"s", "ſ", "t", "re", "ve", "m", "ll", "d"} {
		if strings.HasPrefix(rest, suffix) {
			return 1 + len(suffix)
		}
	}
	return 0
}

func isSymbol(r rune) bool {
	return !unicode.IsSpace(r) && !unicode.IsLetter(r) && !unicode.IsNumber(r)
}

// runLength returns the byte length of the longest prefix of text whose runes satisfy in.
func runLength(text string, in func(rune) bool) int {
	for i, r := range text {
		if !in(r) {
			return i
		}
	}
	return len(text)
}
