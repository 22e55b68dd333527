"""The words synthetic job offers and conditions are made of.

Each occupation profile (keyed by 中分類) lists job titles, the terms its offers mention, the licences
they ask for, the industries that post them, how often they are part time and their monthly wage band.
Conditions draw their free words from the same terms and perks, so keyword searches find offers.
"""

from __future__ import annotations

from dataclasses import dataclass

DRIVING_LICENCE = "普通自動車第一種運転免許"


@dataclass(frozen=True)
class Profile:
    weight: float  # relative frequency among job offers (and among conditions' occupations)
    titles: tuple[str, ...]
    terms: tuple[str, ...]  # words its offers contain; conditions use them as keywords
    licences: tuple[str, ...] = ()
    industries: tuple[str, ...] = ("92",)
    part_time: float = 0.3  # share of offers in employment forms 5–7
    monthly: tuple[int, int] = (180_000, 260_000)  # band the monthly lower bound is drawn from
    daily: float = 0.0  # share of full-time offers paid by the day (日給)
    employer: str = "company"  # company | welfare | medical | school


def _p(weight, titles, terms, **kw) -> Profile:
    return Profile(weight, tuple(titles.split()), tuple(terms.split()),
                   **{k: tuple(v.split()) if k in ("licences", "industries") else v for k, v in kw.items()})


# Heavy occupations carry most of the weight, as on Hello Work: office work, sales, care, driving,
# manufacturing and IT. Middles without a profile get a small weight and their 小分類 name as title.
PROFILES: dict[str, Profile] = {
    "002": _p(0.8, "管理職候補 工場長候補 事業所長", "管理職 マネージャー マネジメント",
              industries="24 50 60 92", part_time=0.0, monthly=(300_000, 450_000)),
    "006": _p(0.8, "機械設計エンジニア 電気設計エンジニア 製品開発エンジニア", "設計 機械設計 開発 CAD",
              industries="25 26 29 31", part_time=0.0, monthly=(240_000, 420_000)),
    "007": _p(0.8, "生産技術エンジニア 製造技術者 品質保証エンジニア", "生産技術 品質管理 製造 CAD",
              industries="24 26 29 31", part_time=0.0, monthly=(230_000, 400_000)),
    "008": _p(2.0, "施工管理（建築） 施工管理（土木） CAD設計スタッフ 測量技術者",
              "施工管理 建築 土木 CAD 設計 測量", licences="二級建築士 2級土木施工管理技士 1級建築施工管理技士 測量士補",
              industries="06 07 08", part_time=0.02, monthly=(250_000, 450_000)),
    "009": _p(4.0, "システムエンジニア プログラマー Webエンジニア 組込みエンジニア プログラマー（未経験可） アプリ開発エンジニア",
              "システムエンジニア SE プログラマー Java Python Web アプリ開発 在宅",
              licences="基本情報技術者 応用情報技術者", industries="39", part_time=0.02, monthly=(230_000, 450_000)),
    "010": _p(2.5, "インフラエンジニア ネットワークエンジニア 社内SE ITヘルプデスク システム運用保守スタッフ",
              "インフラ ネットワーク サーバ ヘルプデスク 社内SE システムエンジニア",
              licences="基本情報技術者 CCNA", industries="39 37", part_time=0.05, monthly=(230_000, 420_000)),
    "013": _p(0.6, "会計事務所スタッフ 税理士補助 社労士事務所スタッフ", "会計事務所 税理士 経理 社会保険労務士",
              licences="日商簿記検定2級 税理士", industries="72", part_time=0.2, monthly=(200_000, 350_000)),
    "017": _p(0.7, "Webデザイナー グラフィックデザイナー", "デザイン Webデザイナー Photoshop Illustrator 在宅",
              industries="39 15", part_time=0.15, monthly=(200_000, 330_000)),
    "021": _p(0.8, "薬剤師（調剤薬局） 薬剤師（ドラッグストア） 医師（内科）", "薬剤師 調剤 ドラッグストア 医師",
              licences="薬剤師", industries="83 60", part_time=0.25, monthly=(350_000, 450_000), employer="medical"),
    "023": _p(5.0, "看護師（病棟） 看護師（クリニック） 准看護師 訪問看護師 看護師（介護施設）",
              "看護 看護師 准看護師 病棟 クリニック 訪問看護 夜勤", licences="看護師 准看護師",
              industries="83 85", part_time=0.3, monthly=(250_000, 380_000), employer="medical"),
    "024": _p(2.0, "理学療法士 作業療法士 臨床検査技師 歯科衛生士 診療放射線技師",
              "リハビリ 理学療法士 作業療法士 歯科衛生士 臨床検査",
              licences="理学療法士 作業療法士 歯科衛生士 臨床検査技師 診療放射線技師",
              industries="83 85", part_time=0.2, monthly=(230_000, 340_000), employer="medical"),
    "025": _p(0.8, "管理栄養士（病院） 栄養士（保育園給食）", "栄養士 管理栄養士 給食 献立",
              licences="栄養士 管理栄養士", industries="83 85", part_time=0.2, monthly=(190_000, 270_000), employer="medical"),
    "028": _p(2.0, "看護助手 歯科助手 病院クラーク", "看護助手 歯科助手 病院 未経験可",
              industries="83", part_time=0.45, monthly=(170_000, 230_000), employer="medical"),
    "029": _p(3.0, "保育士（認可保育園） 保育士（小規模保育） 幼稚園教諭", "保育 保育士 保育園 幼稚園",
              licences="保育士 幼稚園教諭二種免許", industries="85 81", part_time=0.3, monthly=(200_000, 280_000),
              employer="welfare"),
    "030": _p(1.0, "保育補助 学童保育指導員 放課後児童支援員", "保育 保育補助 学童 子ども",
              industries="85", part_time=0.7, monthly=(170_000, 220_000), employer="welfare"),
    "031": _p(0.5, "高等学校教員（常勤講師） 専門学校講師", "教員 講師 教員免許",
              licences="高等学校教諭一種免許状", industries="81", part_time=0.2, monthly=(230_000, 330_000),
              employer="school"),
    "032": _p(1.5, "学習塾講師 スポーツインストラクター 英会話講師", "講師 塾講師 インストラクター 英会話",
              industries="82", part_time=0.6, monthly=(200_000, 300_000)),
    "033": _p(1.5, "総務事務 人事・労務スタッフ 総務・人事", "総務 人事 労務 社会保険 事務",
              industries="24 50 72 92", part_time=0.15, monthly=(200_000, 350_000)),
    "034": _p(9.0, "一般事務 事務スタッフ 総合事務 一般事務（未経験可） 受付事務 事務職（正社員）",
              "事務 一般事務 パソコン Excel データ入力 電話応対 受付",
              industries="50 60 92 24 39 72 69", part_time=0.35, monthly=(170_000, 260_000)),
    "036": _p(2.0, "コールセンターオペレーター カスタマーサポート テレフォンオペレーター",
              "コールセンター 電話応対 カスタマーサポート 在宅", industries="92 39 37", part_time=0.5,
              monthly=(180_000, 250_000)),
    "037": _p(2.0, "医療事務 医療事務（受付） 調剤薬局事務 介護事務", "医療事務 受付 レセプト クリニック 介護事務",
              industries="83 85", part_time=0.45, monthly=(170_000, 240_000), employer="medical"),
    "038": _p(3.0, "経理事務 経理スタッフ 会計事務 経理・財務", "経理 会計 簿記 仕訳 決算 給与計算",
              licences="日商簿記検定2級 日商簿記検定3級", industries="72 50 24 39", part_time=0.25,
              monthly=(190_000, 320_000)),
    "040": _p(2.0, "営業事務 営業アシスタント 貿易事務", "営業事務 受発注 見積 貿易事務 英語",
              industries="50 24 31", part_time=0.25, monthly=(180_000, 280_000)),
    "043": _p(1.2, "データ入力 データ入力スタッフ（在宅可） パソコンオペレーター", "データ入力 パソコン 在宅 Excel",
              industries="92 39", part_time=0.5, monthly=(170_000, 230_000)),
    "044": _p(1.5, "店長候補 店長（スーパー） 店長（コンビニ）", "店長 店舗運営 販売 マネジメント",
              industries="56 58 60", part_time=0.05, monthly=(220_000, 380_000)),
    "045": _p(8.0, "販売スタッフ 店舗スタッフ レジ・品出しスタッフ 販売員（アパレル） 携帯電話販売スタッフ ドラッグストア販売員 食品販売スタッフ",
              "販売 接客 レジ 品出し アパレル ドラッグストア スーパー", licences="登録販売者",
              industries="56 58 60", part_time=0.55, monthly=(180_000, 260_000)),
    "048": _p(6.0, "法人営業 ルート営業 営業職（未経験可） 不動産営業 保険営業 医薬品営業（MR） IT営業",
              "営業 法人営業 ルート営業 提案 不動産 保険 MR", licences=f"{DRIVING_LICENCE} 宅地建物取引士",
              industries="50 68 67 39 60", part_time=0.03, monthly=(200_000, 380_000)),
    "049": _p(2.5, "生活相談員 ケアマネジャー（介護支援専門員） サービス提供責任者 児童指導員（放課後等デイサービス）",
              "介護 福祉 相談員 ケアマネジャー 社会福祉士 放課後等デイサービス",
              licences="介護支援専門員 社会福祉士 介護福祉士", industries="85", part_time=0.15,
              monthly=(210_000, 320_000), employer="welfare"),
    "050": _p(8.0, "介護職員（特別養護老人ホーム） 介護スタッフ（デイサービス） 介護職（グループホーム） 介護職員（有料老人ホーム） 夜勤専従介護職員",
              "介護 介護職 デイサービス グループホーム 老人ホーム 夜勤 介護福祉士",
              licences="介護職員初任者研修 介護福祉士 介護職員実務者研修", industries="85", part_time=0.35,
              monthly=(190_000, 280_000), employer="welfare"),
    "051": _p(3.0, "訪問介護員（ホームヘルパー） 訪問介護スタッフ 訪問入浴スタッフ", "介護 訪問介護 ヘルパー 直行直帰",
              licences=f"介護職員初任者研修 介護福祉士 {DRIVING_LICENCE}", industries="85", part_time=0.55,
              monthly=(190_000, 270_000), employer="welfare"),
    "052": _p(0.4, "家事代行スタッフ", "家事代行 清掃 料理", industries="92", part_time=0.8),
    "053": _p(1.2, "美容師 理容師 エステティシャン ネイリスト アシスタント美容師", "美容 美容師 理容師 エステ ネイル",
              licences="美容師 理容師", industries="78", part_time=0.3, monthly=(180_000, 280_000)),
    "054": _p(0.5, "クリーニング工場スタッフ クリーニング受付", "クリーニング 工場 未経験可", industries="78",
              part_time=0.6, monthly=(170_000, 220_000)),
    "055": _p(5.0, "調理スタッフ 調理師（和食） 給食調理員 調理補助（キッチン） 厨房スタッフ", "調理 調理師 キッチン 給食 厨房 飲食",
              licences="調理師", industries="76 85 83", part_time=0.55, monthly=(190_000, 280_000)),
    "056": _p(4.0, "ホールスタッフ 飲食店店長候補 ホテルフロント 旅館接客スタッフ カフェスタッフ", "接客 ホール 飲食 ホテル フロント カフェ",
              industries="76 75", part_time=0.6, monthly=(190_000, 280_000)),
    "057": _p(0.8, "マンション管理員 寮管理人", "マンション管理 管理人 シニア歓迎", industries="69", part_time=0.6,
              monthly=(170_000, 230_000)),
    "058": _p(0.8, "トリマー 葬儀スタッフ ブライダルスタッフ 添乗員", "トリマー ペット 葬儀 ブライダル 添乗員",
              industries="92", part_time=0.3, monthly=(180_000, 260_000)),
    "059": _p(3.0, "施設警備員 交通誘導警備員 警備スタッフ（日勤） 巡回警備員", "警備 警備員 交通誘導 施設警備 日払い",
              licences="警備員検定（施設警備業務） 警備員検定（交通誘導警備業務）", industries="92", part_time=0.25,
              monthly=(190_000, 280_000), daily=0.35),
    "064": _p(0.8, "農作業スタッフ 酪農スタッフ 造園作業員", "農業 農作業 酪農 造園 野菜",
              licences=f"{DRIVING_LICENCE} 大型特殊自動車免許", industries="01", part_time=0.3, monthly=(180_000, 250_000)),
    "065": _p(0.2, "林業作業員", "林業 伐採 森林", industries="02", part_time=0.05, monthly=(190_000, 260_000), daily=0.3),
    "066": _p(0.2, "漁船乗組員 養殖作業員", "漁業 養殖 水産", industries="03 04", part_time=0.1, monthly=(200_000, 300_000)),
    "068": _p(1.5, "製造オペレーター マシンオペレーター 設備オペレーター（食品工場） ラインオペレーター", "製造 オペレーター 工場 交替勤務 未経験可",
              industries="09 16 18 24 31", part_time=0.1, monthly=(190_000, 300_000)),
    "071": _p(4.0, "NC旋盤オペレーター 溶接工 プレス作業員 板金工 マシニングセンタ加工 金属加工スタッフ",
              "製造 金属加工 溶接 旋盤 NC旋盤 プレス 板金 工場", licences="アーク溶接特別教育 フォークリフト運転技能講習",
              industries="24 25 26 31", part_time=0.05, monthly=(200_000, 320_000)),
    "072": _p(4.0, "食品製造スタッフ パン製造 惣菜製造スタッフ 弁当製造 菓子製造", "製造 食品製造 工場 パン 惣菜 弁当 未経験可",
              industries="09", part_time=0.55, monthly=(180_000, 250_000)),
    "073": _p(2.0, "プラスチック成形オペレーター 印刷オペレーター 縫製スタッフ 木工職人", "製造 成形 印刷 縫製 工場",
              industries="18 15 11", part_time=0.25, monthly=(185_000, 270_000)),
    "074": _p(4.0, "組立作業員 自動車部品組立 電子部品組立 機械組立スタッフ", "製造 組立 工場 自動車部品 電子部品 交替勤務 未経験可",
              industries="29 28 31 25", part_time=0.2, monthly=(190_000, 290_000)),
    "075": _p(2.0, "自動車整備士 整備士（トラック） 設備保全スタッフ 機械メンテナンス", "整備 自動車整備 整備士 メンテナンス 設備保全",
              licences=f"二級自動車整備士 {DRIVING_LICENCE}", industries="89 26 31", part_time=0.03, monthly=(220_000, 350_000)),
    "078": _p(2.0, "製品検査スタッフ 外観検査 品質検査 検品スタッフ", "検査 品質管理 検品 工場 未経験可",
              industries="24 09 28 31", part_time=0.35, monthly=(180_000, 260_000)),
    "080": _p(1.5, "塗装工 CADオペレーター 製造補助スタッフ", "塗装 CAD 製図 製造", industries="31 24 26",
              part_time=0.15, monthly=(190_000, 300_000)),
    "082": _p(3.0, "宅配ドライバー ルート配送ドライバー 配送スタッフ（軽貨物） 郵便配達 新聞配達",
              "配送 ドライバー 宅配 ルート配送 普通自動車免許 運転", licences=DRIVING_LICENCE, industries="44 58 60",
              part_time=0.3, monthly=(210_000, 320_000)),
    "083": _p(5.0, "大型トラックドライバー 中型トラックドライバー 4tドライバー トレーラードライバー ダンプ運転手",
              "ドライバー トラック 大型 中型 運転 長距離 地場",
              licences="大型自動車第一種運転免許 中型自動車第一種運転免許 準中型自動車第一種運転免許 フォークリフト運転技能講習",
              industries="44", part_time=0.05, monthly=(240_000, 420_000)),
    "084": _p(1.0, "路線バス運転士 送迎バス運転手（介護施設） 観光バス運転士", "バス 運転 ドライバー 送迎",
              licences="大型自動車第二種運転免許 中型自動車第一種運転免許", industries="43 85", part_time=0.3,
              monthly=(230_000, 350_000)),
    "085": _p(1.5, "タクシー乗務員 タクシードライバー（未経験可） 送迎ドライバー", "タクシー ドライバー 運転 送迎 二種免許",
              licences=f"普通自動車第二種運転免許 {DRIVING_LICENCE}", industries="43", part_time=0.2,
              monthly=(220_000, 380_000)),
    "089": _p(2.0, "ビル設備管理 フォークリフトオペレーター クレーンオペレーター 重機オペレーター", "設備管理 フォークリフト クレーン 重機 ボイラー",
              licences="フォークリフト運転技能講習 第二種電気工事士 二級ボイラー技士 移動式クレーン運転士 車両系建設機械運転技能講習",
              industries="92 47 06", part_time=0.05, monthly=(210_000, 340_000)),
    "090": _p(1.0, "とび職 型枠大工 鉄筋工", "建設 とび 型枠 鉄筋 現場 日払い",
              licences="玉掛け技能講習 足場の組立て等作業主任者", industries="07", part_time=0.0,
              monthly=(230_000, 400_000), daily=0.4),
    "091": _p(2.0, "大工 内装工 配管工 左官 防水工", "建設 大工 内装 配管 リフォーム 現場", licences=DRIVING_LICENCE,
              industries="07 08 06", part_time=0.02, monthly=(230_000, 400_000), daily=0.25),
    "092": _p(2.0, "土木作業員 舗装工 道路工事スタッフ", "土木 建設 舗装 道路工事 現場 日払い",
              licences=f"車両系建設機械運転技能講習 {DRIVING_LICENCE}", industries="06", part_time=0.02,
              monthly=(220_000, 380_000), daily=0.4),
    "094": _p(2.0, "電気工事士 電気工事スタッフ（見習い可） 通信設備工事スタッフ", "電気工事 電気工事士 通信工事 現場",
              licences="第二種電気工事士 第一種電気工事士", industries="08 37", part_time=0.02, monthly=(230_000, 380_000)),
    "095": _p(4.0, "倉庫作業スタッフ フォークリフト作業スタッフ 物流センタースタッフ 入出庫作業スタッフ 引越スタッフ",
              "倉庫 物流 フォークリフト 入出庫 軽作業 未経験可", licences="フォークリフト運転技能講習",
              industries="47 44", part_time=0.4, monthly=(190_000, 270_000)),
    "096": _p(4.0, "ビル清掃スタッフ 客室清掃スタッフ（ホテル） ハウスクリーニングスタッフ 病院清掃スタッフ ごみ収集作業員",
              "清掃 ビル清掃 ホテル 客室清掃 シニア歓迎 短時間", industries="92 75 88", part_time=0.7,
              monthly=(170_000, 230_000)),
    "097": _p(1.5, "包装・梱包スタッフ 梱包作業員", "梱包 包装 軽作業 工場 未経験可", industries="47 09",
              part_time=0.6, monthly=(170_000, 230_000)),
    "098": _p(3.0, "ピッキングスタッフ 仕分け作業員 検品・ピッキングスタッフ", "ピッキング 仕分け 物流 倉庫 軽作業 未経験可",
              industries="47 44", part_time=0.6, monthly=(175_000, 240_000)),
    "099": _p(2.0, "軽作業スタッフ 品出しスタッフ 学校用務員", "軽作業 品出し シニア歓迎 短時間 未経験可",
              industries="56 58 47 98", part_time=0.7, monthly=(170_000, 220_000)),
}

# Middles without a profile: rare on the job market.
DEFAULT_WEIGHT = 0.15

# Working conditions offers state; conditions search for them as free words.
PERKS = (
    "未経験可", "経験者優遇", "土日休み", "週休2日制", "完全週休2日制", "残業少なめ", "交通費支給",
    "社会保険完備", "資格取得支援あり", "マイカー通勤可", "駅から徒歩5分", "賞与あり", "昇給あり", "ブランク可",
    "シニア歓迎", "年間休日120日以上", "退職金制度あり", "寮あり",
)
# Profile terms that describe conditions of work rather than duties, and how an offer states them.
FEATURE_PHRASES = {
    "在宅": "在宅勤務可", "夜勤": "夜勤あり", "未経験可": "未経験可", "シニア歓迎": "シニア歓迎", "日払い": "日払い可",
    "直行直帰": "直行直帰OK", "交替勤務": "交替勤務あり", "短時間": "短時間勤務可", "長距離": "長距離運行あり",
    "地場": "地場配送中心", "二種免許": "二種免許取得支援あり", "普通自動車免許": "普通自動車免許が必要です",
}
PART_TIME_PERKS = ("扶養内勤務可", "短時間勤務可", "週3日からOK", "日払い", "主婦・主夫歓迎")
# Less welcome conditions of work: offers state them, and seekers exclude them.
DRAWBACKS = ("夜勤あり", "土日出勤あり", "交替勤務", "シフト制", "転勤あり", "ノルマあり")

# Free words a seeker types, beyond occupation terms: each occurs (as a substring) in some perks.
PERK_KEYWORDS = ("未経験可", "土日休み", "在宅", "週休2日", "残業少なめ", "交通費支給", "社会保険完備", "資格取得支援",
                 "マイカー通勤可", "賞与あり", "シニア歓迎", "日払い", "扶養内", "年間休日120日", "普通自動車免許")
EXCLUDE_KEYWORDS = ("夜勤", "土日出勤", "交替勤務", "転勤", "ノルマ", "派遣")

# Qualifications seekers list (資格) and offers ask for beyond their profile's licences.
QUALIFICATIONS = (
    DRIVING_LICENCE, DRIVING_LICENCE, DRIVING_LICENCE,  # by far the most common: drawn more often
    "日商簿記検定2級", "日商簿記検定3級", "介護職員初任者研修", "介護福祉士", "看護師", "保育士",
    "フォークリフト運転技能講習", "基本情報技術者", "TOEIC 700点", "MOS（Excel）", "第二種電気工事士",
    "中型自動車第一種運転免許", "調理師", "宅地建物取引士", "登録販売者", "ITパスポート",
)

WELFARE_SUFFIXES = ("会", "福祉会", "厚生会", "愛育会")
MEDICAL_FORMS = ("医療法人社団{name}会", "医療法人{name}会", "{name}クリニック", "{name}病院")
SCHOOL_FORMS = ("学校法人{name}学園",)
