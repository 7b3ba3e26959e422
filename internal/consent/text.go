package consent

import "github.com/noren-web/noren/internal/manifest"

// texts are the words of the banner, the preference centre and the
// click-to-load placeholders, in one language. The JSON names are those
// consent.js reads.
type texts struct {
	Title      string `json:"title"`
	Body       string `json:"body"`
	AcceptAll  string `json:"acceptAll"`
	RejectAll  string `json:"rejectAll"`
	Customise  string `json:"customise"`
	Save       string `json:"save"`
	Close      string `json:"close"`
	GPCNote    string `json:"gpcNote"`
	NewSince   string `json:"newSince"`
	AlwaysOn   string `json:"alwaysOn"`
	Load       string `json:"load"`
	Remember   string `json:"remember"`
	ProvidedBy string `json:"providedBy"`
	Purpose    string `json:"purpose"`
	Sent       string `json:"sent"`
	Receipt    string `json:"receipt"`
	Settings   string `json:"settings"`
	// CookiePolicy labels the banner's link to the cookie policy.
	CookiePolicy string `json:"cookiePolicy"`
}

var japaneseTexts = texts{
	Title:        "クッキー等の利用について",
	Body:         "本サイトでは、サイトの運営に必要なクッキー等を使用しています。このほか、利用者の同意を得た場合に限り、第三者に情報を送信するものを含むクッキー等を、クッキーポリシーに記載した目的で使用します。選択した内容は、各ページ下部の「クッキーの設定」からいつでも変更できます。",
	AcceptAll:    "すべて同意する",
	RejectAll:    "すべて拒否する",
	Customise:    "個別に設定する",
	Save:         "選択を保存する",
	Close:        "閉じる",
	GPCNote:      "お使いのブラウザーからグローバル・プライバシー・コントロール（GPC）の信号が送信されています。本サイトではこれを拒否の意思表示として扱い、対象となる項目は無効のままとします。「すべて同意する」を選んでも有効にはなりませんが、項目ごとに個別に有効にすることはできます。",
	NewSince:     "前回の選択以降に追加された項目",
	AlwaysOn:     "常に有効",
	Load:         "コンテンツを読み込む",
	Remember:     "このサービスを常に許可する",
	ProvidedBy:   "提供元",
	Purpose:      "利用目的",
	Sent:         "送信される情報",
	Receipt:      "同意の記録番号",
	Settings:     "クッキーの設定",
	CookiePolicy: "クッキーポリシー（クッキー等と送信先の一覧）",
}

var englishTexts = texts{
	Title:        "Your privacy choices",
	Body:         "This site uses the cookies and similar technologies it needs to work. With your consent only, it also uses others, some of which send information to third parties, for the purposes set out in the cookie policy. You can change your choices at any time from “Cookie settings” at the foot of every page.",
	AcceptAll:    "Accept all",
	RejectAll:    "Reject all",
	Customise:    "Customise",
	Save:         "Save choices",
	Close:        "Close",
	GPCNote:      "Your browser is sending a Global Privacy Control (GPC) signal, which this site honours as a refusal: the categories it covers stay off, and “Accept all” does not switch them on. You can still allow them one by one.",
	NewSince:     "Added since your last choice",
	AlwaysOn:     "Always on",
	Load:         "Load content",
	Remember:     "Always allow this service",
	ProvidedBy:   "Provided by",
	Purpose:      "Purpose",
	Sent:         "Information sent",
	Receipt:      "Consent receipt",
	Settings:     "Cookie settings",
	CookiePolicy: "Cookie policy (every cookie and recipient)",
}

// textsFor returns the texts in lang, with the manifest's consent.banner
// title and text in place of the built-in ones where it gives them.
func textsFor(m *manifest.Manifest, lang string) texts {
	t := englishTexts
	if lang == "ja" {
		t = japaneseTexts
	}
	if s := m.Consent.Banner.Title.In(lang); s != "" {
		t.Title = s
	}
	if s := m.Consent.Banner.Text.In(lang); s != "" {
		t.Body = s
	}
	return t
}
