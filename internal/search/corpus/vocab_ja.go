package corpus

// The Japanese vocabulary of a municipal site. 東京都 is common and 京都
// (京都府, 京都市) rare on purpose: a bigram index cannot tell them apart,
// and the benchmarks count the pages it confuses.

var jaSections = map[string]string{
	"news":    "新着情報",
	"support": "事業者支援",
	"guide":   "くらしの手続き",
	"events":  "イベント",
	"files":   "資料・刊行物",
}

var jaTopics = []string{
	"創業支援", "起業相談", "補助金", "助成金", "融資制度", "事業承継", "子育て支援",
	"介護保険", "防災訓練", "住民税", "国民健康保険", "ごみの分別", "図書館", "公園の整備",
	"道路工事", "選挙", "マイナンバーカード", "予防接種", "健康診断", "空き家対策", "観光振興",
	"地域活性化", "創業セミナー", "経営相談", "就労支援", "奨学金", "上下水道", "粗大ごみ",
	"商店街の活性化", "中小企業の海外展開", "男女共同参画", "高齢者福祉", "児童手当", "保育所の入所",
	"職員採用", "入札", "景観計画", "消費生活相談", "国際交流", "生涯学習",
}

var jaLoanwords = []string{
	"スタートアップ", "インキュベーション", "メンタリング", "セミナー", "ワークショップ", "オンライン",
	"デジタル", "キャッシュレス", "コワーキングスペース", "プログラム", "サポート", "イベント",
	"ガイドブック", "パンフレット", "ホームページ", "アンケート", "ボランティア", "ピッチコンテスト",
	"アクセラレーター", "マッチング", "ネットワーク", "オープンデータ", "テレワーク", "シェアオフィス",
}

// jaHalfWidth are loanwords as older systems still write them.
var jaHalfWidth = []string{"ｾﾐﾅｰ", "ｻﾎﾟｰﾄ", "ﾒｰﾙ", "ｲﾍﾞﾝﾄ", "ｵﾝﾗｲﾝ", "ﾎｰﾑﾍﾟｰｼﾞ", "ｿｳｷﾞｮｳ"}

// jaKanaVariants is one word written three ways, which a visitor may type
// in any of them.
var jaKanaVariants = []string{"ソウギョウ", "そうぎょう", "ｿｳｷﾞｮｳ"}

// jaProducts are names no dictionary knows.
var jaProducts = []string{"ミナトペイ", "ベイリンクス", "カナメルノ", "ハーバリオ"}

var jaOrgs = []string{
	"みなとベイ市", "みなとベイ市", "みなとベイ市", "商工会議所", "中小企業支援センター", "産業振興課",
	"地域振興課", "市民協働課", "国", "県",
}

// The organisations, places and facilities of the pages that mention
// Tokyo or Kyoto (see features).
var (
	jaTokyoOrgs       = []string{"東京都", "東京都産業労働局", "東京都中小企業振興公社"}
	jaTokyoPlaces     = []string{"東京都千代田区丸の内2丁目7番", "東京都新宿区西新宿2丁目8番1号"}
	jaTokyoFacilities = []string{"東京都庁 第一本庁舎", "東京都立産業貿易センター"}
	jaKyotoOrgs       = []string{"京都府", "京都市"}
	jaKyotoPlaces     = []string{"京都府京都市中京区寺町通御池上る", "京都府京都市下京区烏丸通七条下る"}
	jaKyotoFacilities = []string{"京都市国際交流会館", "京都府立図書館"}
)

var jaEvents = []string{
	"セミナー", "ワークショップ", "説明会", "相談会", "講座", "ピッチコンテスト", "交流会", "見学会",
}

var jaPlaces = []string{
	"みなとベイ市中央区港町1丁目2番3号", "みなとベイ市北区桜台4丁目5番6号",
	"みなとベイ市南区潮見町3番地", "神奈川県横浜市中区本町6丁目50番地",
	"大阪府大阪市北区中之島1丁目3番20号",
}

var jaFacilities = []string{
	"市民会館 大ホール", "ベイ・インキュベーションハブ", "中央図書館 多目的室", "産業振興センター 3階会議室",
	"みなとベイ市役所 本庁舎5階", "港町コミュニティセンター",
}

var jaDepts = []string{
	"産業振興課 創業支援係", "市民課 窓口係", "子育て支援課", "環境政策課 清掃事業係", "防災危機管理課",
	"健康推進課", "都市計画課", "税務課 市民税係",
}

var jaPeople = []string{
	"市民の方", "市内の中小企業", "創業を予定している方", "個人事業主", "子育て中の保護者",
	"65歳以上の方", "市内に在勤・在学の方", "NPO法人", "学生", "事業者",
}

var jaDocs = []string{
	"申請書", "事業計画書", "住民票の写し", "本人確認書類", "見積書", "決算書", "登記事項証明書",
	"募集要項", "実施報告書", "チラシ", "届出書",
}

var jaVerbs = []string{
	"公開しました", "更新しました", "取りまとめました", "改定しました", "掲載しました", "作成しました",
}

var jaHeadings = []string{
	"概要", "対象となる方", "申請方法", "申請期間", "必要な書類", "開催日時", "会場", "定員・参加費",
	"お問い合わせ", "よくある質問", "注意事項", "補助の内容", "スケジュール", "関連情報",
}

var jaWeekdays = []string{"日", "月", "火", "水", "木", "金", "土"}

// jaSentences are templates; each {slot} takes a word drawn for it (see
// filler.slot). A template starting "feature|" is used only on the pages
// that have that feature.
var jaSentences = []string{
	"{org}では、{topic}に関する{doc}を{verb}。",
	"{date}から{topic}の受付を開始します。",
	"対象となるのは、{org}内に住所を有する{people}です。",
	"申請には{doc}と{doc}が必要です。",
	"詳しくは{dept}（電話 {phone}）までお問い合わせください。",
	"{topic}について、{org}と連携して{loan}{event}を実施します。",
	"会場は{place}の{facility}です。",
	"{date}（{weekday}）{hour}時から、{facility}で{topic}の{event}を開催します。",
	"定員は{num}名で、参加費は無料です。",
	"{topic}の{doc}は、このページからダウンロードできます。",
	"令和{era}年度の{topic}の実績は{num}件でした。",
	"創業{small}年以内の事業者を対象に、{topic}の{event}を行います。",
	"{org}の{topic}事業について、説明会を開催します。",
	"tokyo|東京都の創業支援事業と合わせて利用することもできます。",
	"{people}を対象とした{loan}{event}を{facility}で行います。",
	"subsidy|補助金の額は、対象経費の3分の2以内、上限{num}万円です。",
	"申請書類は{dept}の窓口へ持参するか、郵送してください。",
	"{event}の申込みは、{date}までに電子申請で行ってください。",
	"product|新しい決済サービス「{product}」は、市内の{num}店舗で利用できます。",
	"product|{product}の加盟店を募集しています。",
	"variant|{variant}カフェでは、起業に関する相談を気軽にできます。",
	"half|{half}の申込みは{date}までです。",
	"{topic}の詳細は、{loan}のページをご覧ください。",
	"やむを得ない事情により、{date}の{event}は中止します。",
	"なお、提出された書類はお返しできませんのでご了承ください。",
	"所在地は{place}です。",
	"kyoto|京都市と連携した{topic}の取組を紹介します。",
	"{org}は、{topic}と{topic}を一体的に進めています。",
}
