package enrich

// CountryName returns the name of the country with ISO 3166-1 alpha-2 code
// code in lang ("ja" or "en"), or the code itself for a country it does not
// name.
func CountryName(code, lang string) string { return nameIn(countryNames, code, lang) }

// LanguageName returns the name of the language with primary subtag code
// in lang ("ja" or "en"), or the subtag itself for a language it does not
// name.
func LanguageName(code, lang string) string { return nameIn(languageNames, code, lang) }

func nameIn(names map[string][2]string, code, lang string) string {
	n, ok := names[code]
	switch {
	case !ok:
		return code
	case lang == "ja":
		return n[1]
	}
	return n[0]
}

// countryNames names the countries most sites hear from, in English and
// Japanese.
var countryNames = map[string][2]string{
	"JP": {"Japan", "日本"},
	"US": {"United States", "アメリカ合衆国"},
	"CN": {"China", "中国"},
	"KR": {"South Korea", "韓国"},
	"TW": {"Taiwan", "台湾"},
	"HK": {"Hong Kong", "香港"},
	"SG": {"Singapore", "シンガポール"},
	"TH": {"Thailand", "タイ"},
	"VN": {"Vietnam", "ベトナム"},
	"PH": {"Philippines", "フィリピン"},
	"ID": {"Indonesia", "インドネシア"},
	"MY": {"Malaysia", "マレーシア"},
	"IN": {"India", "インド"},
	"AU": {"Australia", "オーストラリア"},
	"NZ": {"New Zealand", "ニュージーランド"},
	"CA": {"Canada", "カナダ"},
	"MX": {"Mexico", "メキシコ"},
	"BR": {"Brazil", "ブラジル"},
	"AR": {"Argentina", "アルゼンチン"},
	"GB": {"United Kingdom", "イギリス"},
	"IE": {"Ireland", "アイルランド"},
	"FR": {"France", "フランス"},
	"DE": {"Germany", "ドイツ"},
	"NL": {"Netherlands", "オランダ"},
	"BE": {"Belgium", "ベルギー"},
	"CH": {"Switzerland", "スイス"},
	"AT": {"Austria", "オーストリア"},
	"IT": {"Italy", "イタリア"},
	"ES": {"Spain", "スペイン"},
	"PT": {"Portugal", "ポルトガル"},
	"SE": {"Sweden", "スウェーデン"},
	"NO": {"Norway", "ノルウェー"},
	"DK": {"Denmark", "デンマーク"},
	"FI": {"Finland", "フィンランド"},
	"PL": {"Poland", "ポーランド"},
	"CZ": {"Czechia", "チェコ"},
	"UA": {"Ukraine", "ウクライナ"},
	"RU": {"Russia", "ロシア"},
	"TR": {"Türkiye", "トルコ"},
	"IL": {"Israel", "イスラエル"},
	"AE": {"United Arab Emirates", "アラブ首長国連邦"},
	"SA": {"Saudi Arabia", "サウジアラビア"},
	"EG": {"Egypt", "エジプト"},
	"ZA": {"South Africa", "南アフリカ"},
	"NG": {"Nigeria", "ナイジェリア"},
	"KE": {"Kenya", "ケニア"},
	"MN": {"Mongolia", "モンゴル"},
	"NP": {"Nepal", "ネパール"},
	"BD": {"Bangladesh", "バングラデシュ"},
	"PK": {"Pakistan", "パキスタン"},
	"LK": {"Sri Lanka", "スリランカ"},
	"MM": {"Myanmar", "ミャンマー"},
	"KH": {"Cambodia", "カンボジア"},
	"MO": {"Macao", "マカオ"},
	"PE": {"Peru", "ペルー"},
	"CL": {"Chile", "チリ"},
	"CO": {"Colombia", "コロンビア"},
}

// languageNames names common primary language subtags in English and
// Japanese.
var languageNames = map[string][2]string{
	"ja": {"Japanese", "日本語"},
	"en": {"English", "英語"},
	"zh": {"Chinese", "中国語"},
	"ko": {"Korean", "韓国語"},
	"vi": {"Vietnamese", "ベトナム語"},
	"th": {"Thai", "タイ語"},
	"id": {"Indonesian", "インドネシア語"},
	"tl": {"Tagalog", "タガログ語"},
	"ne": {"Nepali", "ネパール語"},
	"pt": {"Portuguese", "ポルトガル語"},
	"es": {"Spanish", "スペイン語"},
	"fr": {"French", "フランス語"},
	"de": {"German", "ドイツ語"},
	"it": {"Italian", "イタリア語"},
	"ru": {"Russian", "ロシア語"},
	"ar": {"Arabic", "アラビア語"},
	"hi": {"Hindi", "ヒンディー語"},
	"my": {"Burmese", "ミャンマー語"},
	"mn": {"Mongolian", "モンゴル語"},
	"uk": {"Ukrainian", "ウクライナ語"},
}
