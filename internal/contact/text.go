package contact

import "strconv"

// pick returns ja for a Japanese page and en for every other.
func pick(lang, ja, en string) string {
	if lang == "ja" {
		return ja
	}
	return en
}

func itoa(n int) string { return strconv.Itoa(n) }
