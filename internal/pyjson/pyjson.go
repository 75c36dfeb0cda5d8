// Package pyjson reads JSON written by Python's json module (diffusers and transformers
// configs), which may contain the non-standard tokens NaN, Infinity and -Infinity.
package pyjson

import "bytes"

// nonFiniteTokens are the bare tokens Python's json module writes for non-finite floats
// (diffusers configs contain e.g. "lambda_min_clipped": -Infinity); longest first.
var nonFiniteTokens = [][]byte{[]byte("-Infinity"), []byte("Infinity"), []byte("NaN")}

// Sanitize returns b with every non-finite token outside strings replaced by
// null, which encoding/json accepts; fields given as null keep their defaults.
func Sanitize(b []byte) []byte {
	var out bytes.Buffer
	inString, escaped := false, false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			out.WriteByte(c)
			continue
		}
		if c == '"' {
			inString = true
		}
		if tok := nonFiniteAt(b[i:]); tok != nil {
			out.WriteString("null")
			i += len(tok) - 1
			continue
		}
		out.WriteByte(c)
	}
	return out.Bytes()
}

func nonFiniteAt(b []byte) []byte {
	for _, tok := range nonFiniteTokens {
		if bytes.HasPrefix(b, tok) {
			return tok
		}
	}
	return nil
}
