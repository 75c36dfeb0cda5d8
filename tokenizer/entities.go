package tokenizer

import (
	"html"
	"strings"
	"unicode/utf8"
)

// unescapeHTML decodes entities of the form &name; &#123; &#x1F; (at most 24
// characters between & and ;) that decode completely.
func unescapeHTML(text string) string {
	if !strings.Contains(text, "&") {
		return text
	}
	var out strings.Builder
	for {
		amp := strings.IndexByte(text, '&')
		if amp < 0 {
			out.WriteString(text)
			return out.String()
		}
		out.WriteString(text[:amp])
		text = text[amp:]
		n := entityLength(text)
		if n == 0 {
			out.WriteByte('&')
			text = text[1:]
			continue
		}
		out.WriteString(decodeEntity(text[:n]))
		text = text[n:]
	}
}

// decodeEntity decodes one entity as ftfy does: named entities only when the whole name
// is an HTML5 entity (or the upper-case spelling of an all-lower-case one, which
// decodes to the upper-case text), numeric references as Python's html.unescape does.
// Anything else is returned unchanged.
func decodeEntity(entity string) string {
	if d, ok := entitiesMissingFromGo[entity]; ok {
		return d
	}
	decoded := html.UnescapeString(entity)
	if entity[1] == '#' {
		if strings.Contains(decoded, ";") {
			return entity
		}
		if r, _ := utf8.DecodeRuneInString(decoded); len(decoded) == utf8.RuneLen(r) && isDroppedCodePoint(r) {
			return ""
		}
		return decoded
	}
	if decoded != entity && (!strings.Contains(decoded, ";") || entity == "&semi;") {
		return decoded
	}
	if name := entity[1 : len(entity)-1]; decoded == entity && name == strings.ToUpper(name) {
		lower := "&" + strings.ToLower(name) + ";"
		if d := html.UnescapeString(lower); d != lower && (!strings.Contains(d, ";") || lower == "&semi;") {
			return upperPython(d)
		}
	}
	return entity
}

// entitiesMissingFromGo are the HTML5 entities that html.UnescapeString leaves alone.
var entitiesMissingFromGo = map[string]string{"&nLt;": "\u226A\u20D2", "&nGt;": "\u226B\u20D2"}

// isDroppedCodePoint reports the code points Python's html.unescape turns into nothing.
func isDroppedCodePoint(r rune) bool {
	return r >= 0x01 && r <= 0x08 || r == 0x0B || r >= 0x0E && r <= 0x1F || r == 0x7F ||
		r >= 0xFDD0 && r <= 0xFDEF || r&0xFFFE == 0xFFFE
}

// upperPython upper-cases as Python's str.upper does for the characters of HTML
// entities: ß and the Latin ligatures expand.
func upperPython(text string) string {
	return strings.ToUpper(pythonUpperExpansions.Replace(text))
}

// pythonUpperExpansions are the characters Python's str.upper expands to several.
var pythonUpperExpansions = strings.NewReplacer("ß", "SS", "ﬀ", "FF", "ﬁ", "FI", "ﬂ", "FL", "ﬃ", "FFI", "ﬄ", "FFL", "ŉ", "ʼN")

// entityLength returns the length of an entity &#?[0-9A-Za-z]{1,24}; at the start of
// text, or 0.
func entityLength(text string) int {
	i := 1
	if i < len(text) && text[i] == '#' {
		i++
	}
	start := i
	for i < len(text) && i-start < 24 && isASCIIAlnum(text[i]) {
		i++
	}
	if i == start || i >= len(text) || text[i] != ';' {
		return 0
	}
	return i + 1
}

func isASCIIAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
