package tokenizer

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func frag(text string, w float64) Fragment { return Fragment{Text: text, Weight: w} }

var breakFragment = Fragment{Break: true}

func TestParseAttention(t *testing.T) {
	for _, c := range []struct {
		prompt string
		want   []Fragment
	}{
		// The examples documented in AUTOMATIC1111's prompt_parser.py.
		{"normal text", []Fragment{frag("normal text", 1)}},
		{"an (important) word", []Fragment{frag("an ", 1), frag("important", 1.1), frag(" word", 1)}},
		{"(unbalanced", []Fragment{frag("unbalanced", 1.1)}},
		{`\(literal\]`, []Fragment{frag("(literal]", 1)}},
		{"(unnecessary)(parens)", []Fragment{frag("unnecessaryparens", 1.1)}},
		{"a (((house:1.3)) [on] a (hill:0.5), sun, (((sky))).", []Fragment{
			frag("a ", 1), frag("house", 1.5730000000000004), frag(" ", 1.1), frag("on", 1), frag(" a ", 1.1),
			frag("hill", 0.55), frag(", sun, ", 1.1), frag("sky", 1.4641000000000006), frag(".", 1.1),
		}},
		{"", []Fragment{frag("", 1)}},
		{"((a))", []Fragment{frag("a", 1.2100000000000002)}},
		{"[a]", []Fragment{frag("a", 1/1.1)}},
		{"[[a]", []Fragment{frag("a", 0.8264462809917354)}},
		{"(a: -0.5 )", []Fragment{frag("a", -0.5)}},
		{"(a:1.3", []Fragment{frag("a:1.3", 1.1)}},
		{"x:1.5) y", []Fragment{frag("x:1.5) y", 1)}},
		{"(a:.)", []Fragment{frag("a:.", 1.1)}},
		{"a) b]", []Fragment{frag("a) b]", 1)}},
		{`a\b \\ c`, []Fragment{frag(`ab \ c`, 1)}},
		{"[blurry:0.5]", []Fragment{frag("blurry:0.5", 1/1.1)}},
		{"a BREAK b", []Fragment{frag("a", 1), breakFragment, frag("b", 1)}},
		{"a \t BREAK\n b", []Fragment{frag("a", 1), breakFragment, frag("b", 1)}},
		{"BREAK a", []Fragment{frag("", 1), breakFragment, frag("a", 1)}},
		{"a BREAK BREAK b", []Fragment{frag("a", 1), breakFragment, frag("", 1), breakFragment, frag("b", 1)}},
		{"BREAKING aBREAK BREAK_ break", []Fragment{frag("BREAKING aBREAK BREAK_ break", 1)}},
		{"a,BREAK,b", []Fragment{frag("a,", 1), breakFragment, frag(",b", 1)}},
		{"(a BREAK b)", []Fragment{frag("a", 1.1), breakFragment, frag("b", 1.1)}},
	} {
		assert.Equal(t, c.want, ParseAttention(c.prompt), "%q", c.prompt)
	}
}
