package tokenizer

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// lowerPython lower-cases as Python's str.lower does: the full mapping of "İ" to "i̇",
// and a capital sigma that ends a word becomes the final sigma "ς".
func lowerPython(text string) string {
	var out strings.Builder
	out.Grow(len(text))
	for i, r := range text {
		switch r {
		case 'İ':
			out.WriteString("i\u0307")
		case 'Σ':
			if endsWord(text, i, len("Σ")) {
				out.WriteRune('ς')
			} else {
				out.WriteRune('σ')
			}
		default:
			out.WriteRune(unicode.ToLower(r))
		}
	}
	return out.String()
}

// endsWord reports Python's Final_Sigma condition for text[i:i+n]: a cased letter
// before it and none after it, skipping case-ignorable runes on both sides.
func endsWord(text string, i, n int) bool {
	before := strings.LastIndexFunc(text[:i], func(r rune) bool { return !isCaseIgnorable(r) })
	if before < 0 {
		return false
	}
	prev, _ := utf8.DecodeRuneInString(text[before:])
	if !isCased(prev) {
		return false
	}
	after := strings.IndexFunc(text[i+n:], func(r rune) bool { return !isCaseIgnorable(r) })
	if after < 0 {
		return true
	}
	next, _ := utf8.DecodeRuneInString(text[i+n+after:])
	return !isCased(next)
}

func isCased(r rune) bool { return unicode.IsUpper(r) || unicode.IsLower(r) || unicode.IsTitle(r) }

// isCaseIgnorable approximates Unicode's Case_Ignorable: marks, format characters,
// modifier letters and symbols, and the apostrophe, period, colon and middle dots.
func isCaseIgnorable(r rune) bool {
	switch r {
	case '\'', '.', ':', '·', '\u0387', '\u2018', '\u2019', '\u2024', '\u2027':
		return true
	}
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf, unicode.Lm, unicode.Sk)
}
