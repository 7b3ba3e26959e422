package searchbench

// Queries are the benchmark's fixed queries: one to three words in either
// language, a phrase, an English typo, kana and width variants, a name no
// dictionary knows, and 京都, which a bigram index confuses with 東京都.
var Queries = []string{
	"創業支援",
	"補助金",
	"京都",
	"子育て 支援",
	`"防災訓練"`,
	"マイナンバーカード 申請",
	"ソウギョウ",
	"そうぎょう",
	"ｿｳｷﾞｮｳ",
	"スタートアップ セミナー",
	"空き家 対策 補助",
	"ミナトペイ",
	"粗大ごみ",
	"startup support",
	"subsidy",
	"subsidu",
	`"disaster drill"`,
	"recycling",
	"library services",
	"mentoring programme",
	"incubaton",
	"bulky waste collection",
	"small business loan",
	"vaccination",
}
