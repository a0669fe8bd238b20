import PairsmithText
import Testing

@Suite("Language detection")
struct LanguageDetectorTests {
    /// Hand-written sentences with their languages (the labels are the truth; the detector must find them).
    static let samples: [(String, String)] = [
        ("en", "The river rose overnight, and by morning the farmers were moving their animals to higher ground."),
        ("de", "Die Stadtverwaltung hat beschlossen, dass die Straßenbahn ab nächstem Jahr auch nachts fahren wird."),
        ("fr", "Le boulanger ouvre sa boutique avant l'aube et les clients font déjà la queue dans la rue."),
        ("es", "Los vecinos del barrio se reunieron para pedir que el ayuntamiento arregle la plaza antes del verano."),
        ("it", "Il museo resterà chiuso per lavori fino alla fine del mese, ma la biblioteca è aperta come sempre."),
        ("pt", "A prefeitura anunciou que as obras na avenida principal vão durar mais dois meses do que o previsto."),
        ("nl", "De gemeente heeft besloten dat de nieuwe fietsbrug pas volgend jaar open gaat voor het verkeer."),
        ("ru", "Весной в деревне начинается посевная, и все жители выходят работать в поле с раннего утра."),
        ("uk", "Навесні в селі починається посівна, і всі мешканці виходять працювати в поле з самого ранку."),
        ("zh", "这座城市的地铁系统在过去十年里迅速扩张，现在每天运送超过一千万名乘客。"),
        ("ja", "この町の図書館は毎週土曜日に子ども向けの読み聞かせ会を開いています。"),
        ("ko", "이 도시의 시장은 새벽부터 문을 열고 신선한 생선과 채소를 판매합니다."),
        ("ar", "افتتحت المدينة مكتبة عامة جديدة تضم آلاف الكتب باللغتين العربية والإنجليزية."),
        ("hi", "गाँव के किसान इस साल अच्छी बारिश की उम्मीद में धान की बुवाई जल्दी शुरू कर रहे हैं।"),
        ("th", "ตลาดน้ำแห่งนี้เปิดทุกเช้าวันเสาร์และมีนักท่องเที่ยวมาเยี่ยมชมเป็นจำนวนมาก"),
        ("tr", "Belediye, şehir merkezindeki eski çarşının yeniden düzenlenmesi için bir proje başlattı ve çalışmalar bu yıl bitecek."),
        ("pl", "Mieszkańcy Krakowa od lat czekają na nową linię tramwajową, która połączy centrum z osiedlami na północy."),
        ("vi", "Người dân Hà Nội thường ăn phở vào buổi sáng trước khi đi làm, nhất là trong những ngày trời lạnh."),
        ("id", "Pemerintah kota Jakarta akan membangun jalur kereta baru yang menghubungkan pusat kota dengan bandara."),
        ("fa", "کتابخانه‌ی شهر هر هفته برای کودکان جلسه‌ی قصه‌گویی برگزار می‌کند و پدر و مادرها هم می‌آیند."),
        ("el", "Το λιμάνι της πόλης γεμίζει κάθε καλοκαίρι με ψαράδικα και τουρίστες από όλη την Ευρώπη."),
        ("he", "הספרייה העירונית פתוחה בכל יום מלבד שבת, והכניסה חופשית לכל התושבים."),
    ]

    @Test("each sample sentence is detected as its language", arguments: samples)
    func detects(language: String, text: String) {
        let detection = LanguageDetector().detect(text)
        #expect(detection.language == language, "detected \(detection.language) for: \(text)")
        #expect(detection.confidence > 0)
    }

    @Test("text with no letters is undetermined")
    func undetermined() {
        #expect(LanguageDetector().detect("1234 — 56.78 %").language == "und")
        #expect(LanguageDetector().detect("").language == "und")
    }

    @Test("language tags are normalised to their primary subtag and nonsense is refused")
    func normalise() {
        #expect(Languages.normalise("pt-BR") == "pt")
        #expect(Languages.normalise(" ZH_hant ") == "zh")
        #expect(Languages.normalise("fil") == "fil")
        #expect(Languages.normalise("english") == nil)
        #expect(Languages.normalise("e") == nil)
        #expect(Languages.normalise("12") == nil)
        #expect(Languages.name(of: "de") == "German")
    }
}
