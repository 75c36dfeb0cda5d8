package tokenizer

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Emphasis factors of the prompt syntax.
const (
	RoundBracketWeight  = 1.1     // (text)
	SquareBracketWeight = 1 / 1.1 // [text]
	breakKeyword        = "BREAK"
	syntaxChars         = `\()[]:` // runes that end a plain-text run
)

// Fragment is a run of prompt text with one weight, or a BREAK.
type Fragment struct {
	Text   string
	Weight float64
	// Break marks a BREAK keyword: the next fragment starts a new chunk. Text is empty.
	Break bool
}

// ParseAttention splits a prompt into weighted fragments with AUTOMATIC1111's rules:
// "(text)" multiplies weights by 1.1, "[text]" divides by 1.1, "(text:1.3)" multiplies
// by 1.3, brackets nest and multiply, unclosed brackets apply to the end of the prompt,
// unmatched closing brackets are literal text, `\(` `\)` `\[` `\]` `\\` are literal
// brackets and backslash (a lone backslash is dropped), and the word BREAK (upper case,
// whole word) with surrounding whitespace becomes a Break fragment. Adjacent fragments
// with equal weights are merged. An empty prompt gives one empty fragment of weight 1.
func ParseAttention(prompt string) []Fragment {
	var p attentionParser
	for text := prompt; text != ""; {
		text = text[p.step(text):]
	}
	for _, start := range p.round {
		p.multiply(start, RoundBracketWeight)
	}
	for _, start := range p.square {
		p.multiply(start, SquareBracketWeight)
	}
	return mergeEqualWeights(p.out)
}

type attentionParser struct {
	out           []Fragment
	round, square []int // start index in out of each open bracket
}

// step consumes one token of the prompt syntax at the start of text and returns its
// byte length.
func (p *attentionParser) step(text string) int {
	switch c := text[0]; {
	case c == '\\':
		if len(text) > 1 && strings.IndexByte(`()[]\`, text[1]) >= 0 {
			p.out = append(p.out, Fragment{Text: text[1:2], Weight: 1})
			return 2
		}
		return 1
	case c == '(':
		p.round = append(p.round, len(p.out))
		return 1
	case c == '[':
		p.square = append(p.square, len(p.out))
		return 1
	case c == ':':
		if n, w, ok := explicitWeight(text); ok && len(p.round) > 0 {
			p.multiply(p.popRound(), w)
			return n
		} else if ok {
			p.appendText(text[:n])
			return n
		}
		p.appendText(":")
		return 1
	case c == ')' && len(p.round) > 0:
		p.multiply(p.popRound(), RoundBracketWeight)
		return 1
	case c == ']' && len(p.square) > 0:
		p.multiply(p.square[len(p.square)-1], SquareBracketWeight)
		p.square = p.square[:len(p.square)-1]
		return 1
	case c == ')' || c == ']':
		p.appendText(text[:1])
		return 1
	}
	n := strings.IndexAny(text, syntaxChars)
	if n < 0 {
		n = len(text)
	}
	p.appendText(text[:n])
	return n
}

func (p *attentionParser) popRound() int {
	start := p.round[len(p.round)-1]
	p.round = p.round[:len(p.round)-1]
	return start
}

func (p *attentionParser) multiply(start int, w float64) {
	for i := start; i < len(p.out); i++ {
		p.out[i].Weight *= w
	}
}

// appendText adds plain text, split at BREAK keywords.
func (p *attentionParser) appendText(text string) {
	for i, part := range splitBreak(text) {
		if i > 0 {
			p.out = append(p.out, Fragment{Break: true})
		}
		p.out = append(p.out, Fragment{Text: part, Weight: 1})
	}
}

// explicitWeight matches `:\s*([+-]?[.\d]+)\s*\)` at the start of text and returns its
// length and value; ok is false when it does not match or the number does not parse.
func explicitWeight(text string) (n int, w float64, ok bool) {
	i := 1 + spaceLength(text[1:])
	start := i
	if i < len(text) && (text[i] == '+' || text[i] == '-') {
		i++
	}
	digits := i
	for i < len(text) && (text[i] == '.' || text[i] >= '0' && text[i] <= '9') {
		i++
	}
	if i == digits {
		return 0, 0, false
	}
	number := text[start:i]
	i += spaceLength(text[i:])
	if i >= len(text) || text[i] != ')' {
		return 0, 0, false
	}
	w, err := strconv.ParseFloat(number, 64)
	if err != nil {
		return 0, 0, false
	}
	return i + 1, w, true
}

func spaceLength(text string) int {
	for i, r := range text {
		if !isPythonSpace(r) {
			return i
		}
	}
	return len(text)
}

// splitBreak splits text at each `\s*\bBREAK\b\s*`.
func splitBreak(text string) []string {
	var parts []string
	from := 0 // start of the current part
	for search := 0; ; {
		k := strings.Index(text[search:], breakKeyword)
		if k < 0 {
			return append(parts, text[from:])
		}
		at, end := search+k, search+k+len(breakKeyword)
		if !wordBoundary(text, at) || !wordBoundary(text, end) {
			search = at + 1
			continue
		}
		start := at
		for start > from {
			r, size := utf8.DecodeLastRuneInString(text[from:start])
			if !isPythonSpace(r) {
				break
			}
			start -= size
		}
		parts = append(parts, text[from:start])
		from = end + spaceLength(text[end:])
		search = from
	}
}

// wordBoundary reports a regexp \b at byte offset i of text, given that the rune on
// one side is a word rune.
func wordBoundary(text string, i int) bool {
	before, _ := utf8.DecodeLastRuneInString(text[:i])
	after, _ := utf8.DecodeRuneInString(text[i:])
	return (i > 0 && isWordRune(before)) != (i < len(text) && isWordRune(after))
}

func isWordRune(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r) }

// mergeEqualWeights joins neighbouring text fragments of equal weight.
func mergeEqualWeights(in []Fragment) []Fragment {
	if len(in) == 0 {
		return []Fragment{{Weight: 1}}
	}
	out := in[:1]
	for _, f := range in[1:] {
		last := &out[len(out)-1]
		if !f.Break && !last.Break && f.Weight == last.Weight {
			last.Text += f.Text
			continue
		}
		out = append(out, f)
	}
	return out
}
