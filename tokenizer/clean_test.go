package tokenizer

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// The expected values were produced by transformers' clean-up with ftfy 6.3:
// whitespace_clean(ftfy.fix_text(text)).lower().
func TestCleanTextMatchesFtfy(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"mojibake: cafÃ©", "mojibake: café"},
		{"ÃƒÂ©", "é"},
		{"â€™", "'"},
		{"Ð¿Ñ€Ð¸Ð²ÐµÑ‚", "привет"},
		{"ðŸŽ‰ party", "🎉 party"},
		{"Â©2024", "©2024"},
		{"I â¤ NY", "i ⤠ny"},
		{"ŁÓDŹ", "łódź"},
		{"café naïve", "café naïve"},
		{"&lt;div&gt; x", "<div> x"},
		{"fish &amp;amp; chips", "fish & chips"},
		{"this&not that", "this&not that"},
		{"&#x2019;s", "'s"},
		{"&EACUTE;", "é"},
		{"BUNDESSTRA&SZLIG;E", "bundesstrasse"},
		{"&#59; &semi; &#1;x", "&#59; ; x"},
		{"<b>&amp;</b>", "<b>&amp;</b>"},
		{"line1 &amp;\n<b>\n&amp;", "line1 & <b> &amp;"},
		{"ＬＯＵＤ\u3000ＮＯＩＳＥＳ", "loud noises"},
		{"ｶﾞ", "ガ"},
		{"ﬁne ﬂow Ĳ", "fine flow ij"},
		{"“curly” ‘single’", `"curly" 'single'`},
		{"e\u0301", "é"},
		{"\u212b", "å"},
		{"\u1100\u1161\u11a8", "각"},
		{"\u00e9\u0323", "\u1eb9\u0301"},
		{"x\u0308\u0323", "\u1e8d\u0323"},
		{"\x1b[31mred\x1b[0m", "red"},
		{"a\u0085b", "a…b"},
		{"\ufeffzero\u200bwidth\x00", "zero\u200bwidth"},
		{"tab\tand\r\nnewline  ", "tab and newline"},
		{"İstanbul", "i\u0307stanbul"},
		{"ΟΔΟΣ ΣΑΣ", "οδος σας"},
		{"bad utf-8 \xff", "bad utf-8 \ufffd"},
	} {
		assert.Equal(t, c.want, cleanText(c.in), "%+q", c.in)
	}
}

func TestUnicodeTables(t *testing.T) {
	tables := unicodeTables()
	assert.Len(t, tables.width, 226)
	assert.Len(t, tables.decompose, 2061)
	assert.Len(t, tables.compose, 941)
	assert.Len(t, tables.classes, 382)
	assert.Equal(t, uint8(230), tables.combiningClass(0x301))
	assert.Equal(t, uint8(0), tables.combiningClass('a'))
}
