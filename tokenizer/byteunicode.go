package tokenizer

// byteSymbol maps each byte to the printable rune that stands for it in token strings
// (GPT-2's bytes_to_unicode): printable Latin-1 bytes map to themselves, the other 68
// bytes to U+0100 onwards in byte order.
var byteSymbol, symbolByte = buildByteSymbols()

func printableByte(b int) bool {
	return b >= '!' && b <= '~' || b >= 0xA1 && b <= 0xAC || b >= 0xAE && b <= 0xFF
}

func buildByteSymbols() (sym [256]rune, back map[rune]byte) {
	back = make(map[rune]byte, 256)
	next := rune(256)
	for b := range 256 {
		if printableByte(b) {
			sym[b] = rune(b)
		} else {
			sym[b] = next
			next++
		}
		back[sym[b]] = byte(b)
	}
	return sym, back
}

// byteSymbolOrder returns the byte symbols in vocabulary order (ids 0..255): the
// printable bytes first, then the others.
func byteSymbolOrder() []rune {
	order := make([]rune, 0, 256)
	for b := range 256 {
		if printableByte(b) {
			order = append(order, byteSymbol[b])
		}
	}
	for b := range 256 {
		if !printableByte(b) {
			order = append(order, byteSymbol[b])
		}
	}
	return order
}
