/// Frequent function words of languages written in the Latin and Cyrillic scripts, for the language detector.
/// Each list keeps words that are common in running text; words shared by several languages count for each.
enum CommonWords {
    /// Latin-script languages and their common words.
    static let latin: [String: Set<String>] = [
        "en": words("""
            the and of to is in that it was for with as are on this be by from which have not they or were has but
            their been an can would will there what about when more also into than its these only who we you our
            """),
        "de": words("""
            der die und das ist nicht mit den von zu sich auf ein eine dem des im auch es für werden wird sind wurde
            bei nach aus wie oder einer noch über kann sie ich dass zum zur hat haben wenn wir nur einem diese
            """),
        "fr": words("""
            le la les et des est une un du en que qui dans pour pas sur au avec ne se sont par il elle mais ou aux
            cette été nous vous leur plus ont ces comme être fait très aussi sa son ses peut tout
            """),
        "es": words("""
            el la los las de y que en un una es por con para del se no al lo como más pero sus su está son fue ha
            este esta también entre cuando muy sin sobre hay porque desde todo ya hasta puede donde
            """),
        "it": words("""
            il di che e la le un una per non sono del della con è gli si da dei nel anche alla come più ma questo
            questa delle degli sul ha essere stato molto dalla quando perché nella lo anni loro
            """),
        "pt": words("""
            o a os as de e que do da em um uma para com não no na por se mais dos das como mas foi ao ele ela são
            está isso também seu sua ou muito pelo pela quando já até ser pode nos entre
            """),
        "nl": words("""
            de het een en van in is dat op te zijn voor met die niet aan er maar om ook als bij dan nog wel naar
            uit worden wordt door hij ze zij werd heeft hebben deze dit geen kan wat
            """),
        "tr": words("""
            ve bir bu da de için ile olarak çok daha gibi ne ama en var olan sonra kadar ya değil mi ben sen biz
            her şey yok ise veya göre arasında oldu olduğu üzerine tarafından bunu şu ancak olan bazı
            """),
        "pl": words("""
            i w na z do się nie to że jest o jak ale po co od za przez dla są tak jego jej który która które tym
            był była może już tylko przy czy ich oraz jako także bardzo gdy też
            """),
        "vi": words("""
            và của là có không các những một được trong cho với người này đã để khi từ đến như cũng nhưng về theo
            thì sẽ đó ra lại nhiều năm đang tại vì nên rất hay
            """),
        "id": words("""
            yang dan di ini itu dengan untuk dari tidak dalam akan pada adalah juga ke ada atau oleh karena mereka
            bisa sudah saya kami kita telah lebih seperti tersebut hanya banyak masih harus bahwa namun sangat
            setelah
            """),
        "sv": words("""
            och att det som en är av för med till den har inte om ett på var jag men de så vi kan från eller hade
            sig efter också när vid mycket
            """),
        "cs": words("""
            a je se na v že to s z do o jako by ale jsou pro jeho které který která tak jsem byl bylo také už
            podle při nebo když jen však není může
            """),
        "ro": words("""
            și în de la cu a pe este care că un o din pentru nu mai sunt sau fost ca dar lui ei acest această fi
            au prin după foarte despre până şi
            """),
    ]

    /// Cyrillic-script languages and their common words.
    static let cyrillic: [String: Set<String>] = [
        "ru": words("""
            и в не на что с по как это он она они но из к у за от так же для было был была быть или его все еще
            только уже мы вы при если когда этот который
            """),
        "uk": words("""
            і в у не на що з як це він вона вони але із до за від так же для було був була бути або його всі ще
            тільки вже ми ви при якщо коли та й який цей
            """),
    ]

    private static func words(_ text: String) -> Set<String> {
        Set(text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))
    }
}
