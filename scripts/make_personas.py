#!/usr/bin/env python3
"""Writes personas/personas.jsonl: pairsmith's own persona library.

Each persona is one or two sentences: who the person is (age, occupation with a concrete detail, place), then
an interest, goal or habit that shapes what they would look up. The parts are hand-written lists below; the
script combines them with a fixed seed so the file is reproducible, keeps occupations within the places where
they make sense (a ferry pilot needs water, a rice farmer fields), spreads every occupation over several places,
and never writes the same line twice.

    python3 scripts/make_personas.py            # writes personas/personas.jsonl
    python3 scripts/make_personas.py --check    # exits 1 if the file differs from what the script writes
"""
import json
import random
import sys
from pathlib import Path

SEED = 20261122
PER_OCCUPATION = 7

# Places: (name as written after "in", tags). Tags: city, coast, rural, port.
PLACES = [
    ("Lagos", {"city", "coast", "port"}), ("Ibadan", {"city"}), ("Kano", {"city"}), ("Enugu", {"city"}),
    ("Abuja", {"city"}), ("Port Harcourt", {"city", "coast", "port"}), ("Accra", {"city", "coast", "port"}),
    ("Kumasi", {"city"}), ("a cocoa-growing village in Ghana's Ashanti region", {"rural"}),
    ("Nairobi", {"city"}), ("Mombasa", {"city", "coast", "port"}), ("Kisumu", {"city", "coast"}),
    ("the Rift Valley near Nakuru", {"rural"}), ("Addis Ababa", {"city"}), ("Kampala", {"city"}),
    ("Kigali", {"city"}), ("Dar es Salaam", {"city", "coast", "port"}), ("Zanzibar City", {"city", "coast"}),
    ("Lusaka", {"city"}), ("Harare", {"city"}), ("Maputo", {"city", "coast", "port"}), ("Luanda", {"city", "coast", "port"}),
    ("Kinshasa", {"city"}), ("Dakar", {"city", "coast", "port"}), ("Johannesburg", {"city"}),
    ("Durban", {"city", "coast", "port"}), ("the Eastern Cape countryside", {"rural"}),
    ("Cairo", {"city"}), ("Alexandria", {"city", "coast", "port"}), ("the Nile Delta near Tanta", {"rural"}),
    ("Casablanca", {"city", "coast", "port"}), ("Marrakesh", {"city"}), ("Fez", {"city"}),
    ("the Atlas foothills", {"rural"}), ("Tunis", {"city", "coast"}), ("Algiers", {"city", "coast", "port"}),
    ("Amman", {"city"}), ("Beirut", {"city", "coast", "port"}), ("Riyadh", {"city"}), ("Dubai", {"city", "coast", "port"}),
    ("Tehran", {"city"}), ("Isfahan", {"city"}), ("Istanbul", {"city", "coast", "port"}), ("İzmir", {"city", "coast", "port"}),
    ("Ankara", {"city"}), ("the Anatolian plateau near Konya", {"rural"}), ("Tbilisi", {"city"}),
    ("Almaty", {"city"}), ("Tashkent", {"city"}), ("Karachi", {"city", "coast", "port"}), ("Lahore", {"city"}),
    ("rural Punjab", {"rural"}), ("a village near Ludhiana in Punjab", {"rural"}), ("Amritsar in Punjab", {"city"}),
    ("Mumbai", {"city", "coast", "port"}), ("Chennai", {"city", "coast", "port"}), ("Kolkata", {"city", "port"}),
    ("Bengaluru", {"city"}), ("Hyderabad", {"city"}), ("Pune", {"city"}), ("Jaipur", {"city"}),
    ("a fishing village in Kerala", {"rural", "coast"}), ("rural Rajasthan near Jaisalmer", {"rural"}),
    ("Dhaka", {"city"}), ("rural Bangladesh near Sylhet", {"rural"}), ("Kathmandu", {"city"}),
    ("the Terai plains of Nepal", {"rural"}), ("Colombo", {"city", "coast", "port"}),
    ("Jakarta", {"city", "coast", "port"}), ("Surabaya", {"city", "coast", "port"}), ("Bandung", {"city"}),
    ("Yogyakarta", {"city"}), ("Medan", {"city"}), ("rural Java near Klaten", {"rural"}), ("Makassar", {"city", "coast", "port"}),
    ("Hanoi", {"city"}), ("Ho Chi Minh City", {"city", "port"}), ("Da Nang", {"city", "coast", "port"}),
    ("the Mekong Delta", {"rural", "coast"}), ("a hill village near Sa Pa", {"rural"}),
    ("Bangkok", {"city", "port"}), ("Chiang Mai", {"city"}), ("Chiang Rai province", {"rural"}),
    ("Phnom Penh", {"city"}), ("Yangon", {"city", "port"}), ("Kuala Lumpur", {"city"}), ("Penang", {"city", "coast", "port"}),
    ("Manila", {"city", "coast", "port"}), ("Cebu", {"city", "coast", "port"}), ("Davao", {"city", "coast"}),
    ("Osaka", {"city", "coast", "port"}), ("Tokyo", {"city", "port"}), ("Fukuoka", {"city", "coast", "port"}),
    ("Sapporo", {"city"}), ("rural Hokkaido", {"rural"}), ("a rice-farming village in Niigata", {"rural"}),
    ("Kyoto", {"city"}), ("Seoul", {"city"}), ("Busan", {"city", "coast", "port"}), ("Jeju", {"coast", "rural"}),
    ("Taipei", {"city"}), ("Kaohsiung", {"city", "coast", "port"}), ("Shenzhen", {"city", "port"}),
    ("Chengdu", {"city"}), ("Wuhan", {"city"}), ("Shanghai", {"city", "coast", "port"}), ("Harbin", {"city"}),
    ("the tea hills of Yunnan near Pu'er", {"rural"}), ("the Inner Mongolian grasslands", {"rural"}),
    ("Ulaanbaatar", {"city"}), ("Hong Kong", {"city", "coast", "port"}),
    ("Kraków", {"city"}), ("Warsaw", {"city"}), ("Gdańsk", {"city", "coast", "port"}), ("Wrocław", {"city"}),
    ("Łódź", {"city"}), ("the Podkarpacie countryside", {"rural"}), ("the Masurian lake district", {"rural"}),
    ("Prague", {"city"}), ("Brno", {"city"}), ("Budapest", {"city"}), ("Bucharest", {"city"}), ("Cluj-Napoca", {"city"}),
    ("Sofia", {"city"}), ("Belgrade", {"city"}), ("Zagreb", {"city"}), ("Split", {"city", "coast", "port"}),
    ("Ljubljana", {"city"}), ("Vilnius", {"city"}), ("Riga", {"city", "coast", "port"}), ("Tallinn", {"city", "coast", "port"}),
    ("Kyiv", {"city"}), ("Lviv", {"city"}), ("Odesa", {"city", "coast", "port"}), ("Kharkiv", {"city"}),
    ("a farming village near Poltava", {"rural"}), ("Moscow", {"city"}), ("Kazan", {"city"}), ("Novosibirsk", {"city"}),
    ("Helsinki", {"city", "coast", "port"}), ("Stockholm", {"city", "coast", "port"}), ("Oslo", {"city", "coast", "port"}),
    ("the Lofoten islands", {"coast", "rural"}), ("Copenhagen", {"city", "coast", "port"}), ("Reykjavík", {"city", "coast", "port"}),
    ("Hamburg", {"city", "port"}), ("Berlin", {"city"}), ("Munich", {"city"}), ("Cologne", {"city"}), ("Leipzig", {"city"}),
    ("rural Bavaria", {"rural"}), ("Vienna", {"city"}), ("Zurich", {"city"}), ("Geneva", {"city"}),
    ("Amsterdam", {"city", "port"}), ("Rotterdam", {"city", "port"}), ("Utrecht", {"city"}), ("Antwerp", {"city", "port"}),
    ("Brussels", {"city"}), ("Lyon", {"city"}), ("Marseille", {"city", "coast", "port"}), ("Toulouse", {"city"}),
    ("Lille", {"city"}), ("Bordeaux", {"city", "port"}), ("the Loire valley", {"rural"}), ("Brittany", {"rural", "coast"}),
    ("Madrid", {"city"}), ("Barcelona", {"city", "coast", "port"}), ("Seville", {"city"}), ("Valencia", {"city", "coast", "port"}),
    ("Bilbao", {"city", "port"}), ("rural Andalusia", {"rural"}), ("Lisbon", {"city", "coast", "port"}), ("Porto", {"city", "coast", "port"}),
    ("the Alentejo", {"rural"}), ("Milan", {"city"}), ("Turin", {"city"}), ("Bologna", {"city"}), ("Naples", {"city", "coast", "port"}),
    ("Palermo", {"city", "coast", "port"}), ("the Tuscan hills", {"rural"}), ("Athens", {"city", "coast", "port"}),
    ("Thessaloniki", {"city", "coast", "port"}), ("Crete", {"coast", "rural"}), ("Dublin", {"city", "coast", "port"}),
    ("Glasgow", {"city"}), ("Manchester", {"city"}), ("the Scottish Highlands", {"rural"}), ("Cardiff", {"city", "coast", "port"}),
    ("Toronto", {"city"}), ("Montreal", {"city", "port"}), ("Vancouver", {"city", "coast", "port"}),
    ("rural Saskatchewan", {"rural"}), ("Chicago", {"city"}), ("Houston", {"city", "port"}), ("Atlanta", {"city"}),
    ("New Orleans", {"city", "port"}), ("a farming town in Kansas", {"rural"}), ("Albuquerque", {"city"}),
    ("Mexico City", {"city"}), ("Guadalajara", {"city"}), ("Monterrey", {"city"}), ("Oaxaca's Sierra Norte", {"rural"}),
    ("Veracruz", {"city", "coast", "port"}), ("Havana", {"city", "coast", "port"}), ("Santo Domingo", {"city", "coast", "port"}),
    ("Bogotá", {"city"}), ("Medellín", {"city"}), ("Cartagena", {"city", "coast", "port"}), ("Quito", {"city"}),
    ("Guayaquil", {"city", "coast", "port"}), ("Lima", {"city", "coast", "port"}), ("the Altiplano near Puno", {"rural"}),
    ("La Paz", {"city"}), ("Santiago", {"city"}), ("Valparaíso", {"city", "coast", "port"}), ("Buenos Aires", {"city", "port"}),
    ("Córdoba in Argentina", {"city"}), ("Patagonia", {"rural", "coast"}), ("Montevideo", {"city", "coast", "port"}),
    ("Asunción", {"city"}), ("São Paulo", {"city"}), ("Rio de Janeiro", {"city", "coast", "port"}), ("Recife", {"city", "coast", "port"}),
    ("Salvador", {"city", "coast", "port"}), ("Belo Horizonte", {"city"}), ("Porto Alegre", {"city"}), ("Curitiba", {"city"}),
    ("Manaus", {"city", "port"}), ("Fortaleza", {"city", "coast", "port"}), ("the sertão of Pernambuco", {"rural"}),
    ("rural Minas Gerais", {"rural"}), ("Sydney", {"city", "coast", "port"}), ("Melbourne", {"city", "port"}),
    ("the Outback near Alice Springs", {"rural"}), ("Auckland", {"city", "coast", "port"}), ("Suva", {"city", "coast", "port"}),
]

# Occupations: (title, where it fits, age range, details). Each detail completes "who ...".
ANY, CITY, RURAL, COAST, PORT = "any", "city", "rural", "coast", "port"
OCCUPATIONS = [
    ("ICU nurse", CITY, (24, 60), ["trains new staff on ventilator alarms", "works night shifts and keeps a notebook of drug interactions", "coordinates the unit's infection-control audits"]),
    ("community health worker", ANY, (22, 58), ["visits new mothers to check on vaccinations", "runs blood-pressure screenings at the weekly market", "keeps records of malaria cases for the district clinic"]),
    ("general practitioner", ANY, (30, 68), ["sees forty patients a day at a public clinic", "is trying to cut antibiotic prescriptions in the practice", "runs a diabetes follow-up programme for older patients"]),
    ("pharmacist", ANY, (25, 66), ["runs a small family pharmacy", "answers customers' questions about generic substitutes", "tracks shortages of common heart medicines"]),
    ("midwife", ANY, (26, 62), ["has delivered more than a thousand babies", "teaches prenatal classes in the evenings", "works in a birthing centre that serves three villages"]),
    ("dentist", CITY, (28, 66), ["specialises in children's dentistry", "is setting up a mobile clinic for schools", "reads up on new composite filling materials"]),
    ("physiotherapist", CITY, (25, 60), ["treats footballers recovering from knee surgery", "works with stroke patients on regaining balance", "runs back-pain classes for office workers"]),
    ("veterinarian", ANY, (28, 67), ["treats cattle and goats on farms across the district", "runs a clinic for stray dogs and cats", "advises poultry farmers on avian flu"]),
    ("epidemiologist", CITY, (30, 64), ["models dengue outbreaks for the health ministry", "analyses hospital data on antibiotic resistance", "studies air pollution and childhood asthma"]),
    ("rice farmer", RURAL, (28, 75), ["grows two rice crops a year on a few hectares", "is switching part of the paddy to a drought-tolerant variety", "shares a water pump with four neighbouring families"]),
    ("wheat farmer", RURAL, (30, 76), ["rotates wheat with mustard and pulses", "worries about groundwater falling every season", "is trying no-till sowing to stop burning stubble"]),
    ("dairy farmer", RURAL, (26, 72), ["keeps twelve buffalo and sells milk to a cooperative", "is testing a new feed mix to raise milk yield", "is deciding whether to invest in a milking machine"]),
    ("cocoa grower", RURAL, (30, 74), ["tends an old family cocoa farm", "is replanting trees hit by swollen shoot virus", "sells beans through a fair-trade cooperative"]),
    ("coffee grower", RURAL, (28, 72), ["grows arabica on a steep smallholding", "experiments with honey-processed beans", "is planting shade trees to protect the harvest from heat"]),
    ("tea picker turned estate supervisor", RURAL, (30, 60), ["manages forty pickers during the first flush", "keeps records of leaf quality for the factory", "is learning about organic certification"]),
    ("vegetable grower", ANY, (24, 70), ["sells tomatoes and greens at the morning market", "runs a rooftop garden that supplies three restaurants", "uses drip irrigation on a small plot"]),
    ("beekeeper", RURAL, (25, 78), ["keeps sixty hives and sells wildflower honey", "tracks varroa mites in every hive", "moves hives to the orchards each spring"]),
    ("agronomist", ANY, (27, 64), ["advises smallholders on soil testing", "runs field trials of new maize hybrids", "works for a seed company on pest-resistant varieties"]),
    ("fisherman", COAST, (20, 70), ["goes out before dawn in a wooden boat", "fishes for sardines with his brothers", "has noticed the catch changing over twenty years"]),
    ("fish trader", COAST, (25, 68), ["buys the morning catch at the landing beach", "smokes fish and sells it in the inland markets", "negotiates prices with restaurant buyers by phone"]),
    ("ferry pilot", COAST, (30, 64), ["crosses the same strait eight times a day", "keeps an eye on weather warnings before every departure", "trains younger crew in night navigation"]),
    ("port crane operator", PORT, (26, 60), ["moves containers on twelve-hour shifts", "follows the arrival schedules of large container ships", "is studying for a logistics diploma"]),
    ("marine biologist", COAST, (27, 66), ["monitors coral bleaching on nearby reefs", "tags sea turtles on nesting beaches", "studies microplastics in coastal sediments"]),
    ("shipping logistics clerk", PORT, (22, 58), ["handles customs paperwork for importers", "tracks containers delayed by congestion", "knows the tariff codes for machine parts by heart"]),
    ("software engineer", CITY, (22, 55), ["builds payment features for a mobile banking app", "maintains the backend of a ride-hailing service", "works on search ranking for an online marketplace"]),
    ("data analyst", CITY, (23, 52), ["builds sales dashboards for a supermarket chain", "cleans survey data for a polling firm", "forecasts electricity demand for the city utility"]),
    ("machine learning researcher", CITY, (25, 50), ["trains speech recognition models for low-resource languages", "works on retrieval systems for legal documents", "studies how language models handle code-switching"]),
    ("IT support technician", CITY, (20, 55), ["keeps the computers of a district hospital running", "repairs phones and laptops in a market stall", "sets up networks for small offices"]),
    ("cybersecurity analyst", CITY, (24, 55), ["investigates phishing attacks on a bank's customers", "audits the security of government websites", "teaches small businesses to use password managers"]),
    ("mobile money agent", ANY, (19, 55), ["runs a kiosk where traders send and withdraw cash", "helps older customers set up their first wallets", "keeps a ledger of every transaction by hand as a backup"]),
    ("electrician", ANY, (20, 64), ["wires new apartment blocks", "installs solar panels on village homes", "repairs generators during power cuts"]),
    ("plumber", CITY, (20, 65), ["fixes leaks in old tenement buildings", "installs water heaters and filters", "runs a two-person business with a nephew"]),
    ("carpenter", ANY, (20, 70), ["builds furniture from reclaimed wood", "restores old wooden windows", "makes doors and roof trusses for new houses"]),
    ("bricklayer", ANY, (19, 62), ["works on housing sites outside the city", "is learning to estimate jobs to start his own crew", "builds with compressed earth blocks"]),
    ("civil engineer", CITY, (26, 65), ["inspects bridges for the regional roads authority", "designs drainage for flood-prone neighbourhoods", "supervises the construction of a metro line"]),
    ("architect", CITY, (27, 70), ["designs low-cost housing with natural ventilation", "restores historic buildings in the old town", "works on school buildings that stay cool without air conditioning"]),
    ("urban planner", CITY, (28, 64), ["works on bus rapid transit routes", "maps informal settlements for upgrading programmes", "studies how street trees lower summer temperatures"]),
    ("truck driver", ANY, (24, 64), ["hauls produce between the coast and the capital", "drives long-distance routes across three borders", "carries fuel to rural petrol stations"]),
    ("motorcycle taxi rider", CITY, (19, 50), ["works the busy routes near the central market", "is saving to buy his own motorcycle", "uses three ride-hailing apps at once"]),
    ("bus driver", CITY, (28, 62), ["drives the night route through the city centre", "has driven the same route for fifteen years", "trains new drivers on fuel-saving techniques"]),
    ("airline mechanic", CITY, (24, 62), ["maintains turboprop aircraft", "inspects landing gear on overnight checks", "is studying for a licence on newer jet engines"]),
    ("railway signal technician", ANY, (24, 62), ["maintains signals on a busy commuter line", "is helping switch old relays to digital interlocking", "works night shifts when the line is closed"]),
    ("primary school teacher", ANY, (23, 64), ["teaches a class of forty-five children", "uses songs to teach reading in two languages", "is looking for cheap science experiments for the classroom"]),
    ("secondary school chemistry teacher", ANY, (25, 64), ["prepares students for national exams", "runs a science club after school", "is rewriting lab exercises to use household materials"]),
    ("university lecturer in history", CITY, (30, 70), ["teaches the economic history of the region", "is writing a book about the city's port in the nineteenth century", "supervises master's theses on oral history"]),
    ("mathematics professor", CITY, (35, 72), ["works on number theory", "teaches first-year calculus to three hundred students", "runs an olympiad training camp for teenagers"]),
    ("librarian", ANY, (25, 67), ["runs the children's section of the public library", "digitises old newspapers", "organises reading clubs for retirees"]),
    ("school principal", ANY, (38, 66), ["is trying to reduce dropout rates among girls", "manages a school with no internet connection", "is introducing a school meal programme"]),
    ("early childhood educator", ANY, (21, 60), ["runs a kindergarten in a converted shop", "uses play-based learning with three-year-olds", "is studying child development at night"]),
    ("university student in economics", CITY, (18, 25), ["is writing a thesis on informal lending", "tutors classmates in statistics", "works part-time at a café to pay tuition"]),
    ("medical student", CITY, (19, 27), ["is preparing for anatomy exams", "volunteers at a free clinic on weekends", "wants to specialise in paediatrics"]),
    ("law student", CITY, (19, 27), ["volunteers at a legal aid clinic", "is preparing for a moot court competition", "reads up on tenant rights"]),
    ("engineering student", CITY, (18, 26), ["is building a solar-powered water pump for a project", "competes in a robotics league", "is interning at a steel plant"]),
    ("high school student", ANY, (15, 18), ["is preparing for university entrance exams", "wants to study computer science", "runs the school's debate club"]),
    ("lawyer", CITY, (27, 70), ["handles land disputes for farmers", "specialises in labour law", "works on contract cases for small exporters"]),
    ("judge", CITY, (40, 70), ["presides over a family court", "is known for writing clear judgments", "hears commercial disputes"]),
    ("police officer", ANY, (22, 58), ["works in traffic control", "investigates mobile phone fraud", "runs a community policing programme"]),
    ("firefighter", ANY, (22, 58), ["has fought wildfires for ten summers", "teaches fire safety in schools", "trains in rescue from collapsed buildings"]),
    ("social worker", ANY, (25, 64), ["supports families of children with disabilities", "works with young people leaving foster care", "helps elderly people apply for pensions"]),
    ("journalist", CITY, (23, 66), ["covers city politics for a daily newspaper", "investigates public procurement contracts", "reports on climate and agriculture"]),
    ("radio presenter", ANY, (24, 66), ["hosts a morning call-in show in the local language", "presents a farming programme", "runs a music show with listener requests"]),
    ("photographer", CITY, (22, 68), ["shoots weddings and family portraits", "documents street markets that are disappearing", "sells stock photos of local festivals"]),
    ("translator", CITY, (24, 70), ["translates technical manuals", "subtitles films", "interprets at the district court"]),
    ("novelist", CITY, (28, 78), ["writes crime fiction set in the city's old quarter", "is working on a family saga across three generations", "writes children's books in two languages"]),
    ("graphic designer", CITY, (21, 55), ["designs packaging for local food brands", "makes posters for concerts", "works on signage for the city's transit system"]),
    ("musician", CITY, (19, 70), ["plays bass in a highlife band", "teaches classical guitar", "records traditional songs with village elders"]),
    ("film editor", CITY, (24, 60), ["cuts documentaries for a streaming service", "edits music videos on a tight budget", "works on a feature film about migration"]),
    ("chef", CITY, (22, 65), ["runs the kitchen of a busy seafood restaurant", "is reviving recipes from a grandmother's notebook", "cooks for a hotel and experiments with fermentation"]),
    ("street food vendor", CITY, (20, 70), ["sells grilled corn and plantain near the bus station", "makes noodle soup before dawn", "has run the same stall for twenty years"]),
    ("baker", ANY, (20, 70), ["bakes bread in a wood-fired oven", "supplies rolls to schools", "is testing sourdough recipes with local flour"]),
    ("café owner", CITY, (25, 65), ["roasts beans in the back of the shop", "runs a café that doubles as a book exchange", "is trying to cut food waste"]),
    ("market trader", ANY, (20, 75), ["sells fabrics at the central market", "sells spices by weight", "sells second-hand clothes imported in bales"]),
    ("tailor", ANY, (20, 75), ["makes wedding clothes to measure", "repairs clothes in a shop near the market", "is learning to sell designs online"]),
    ("shopkeeper", ANY, (22, 75), ["runs a corner shop open until midnight", "sells hardware and farm tools", "keeps credit accounts for regular customers"]),
    ("small business owner", CITY, (26, 65), ["runs a print shop", "makes soap and cosmetics from shea butter", "runs a laundry service for students"]),
    ("accountant", CITY, (24, 66), ["prepares tax returns for small businesses", "audits cooperatives", "works for an exporter of dried fruit"]),
    ("bank loan officer", ANY, (24, 60), ["lends to market women in groups", "assesses loans for small farms", "works in microfinance"]),
    ("stockbroker", CITY, (25, 60), ["trades on the local exchange", "advises retail investors", "follows commodity prices"]),
    ("insurance agent", CITY, (24, 64), ["sells crop insurance", "handles car accident claims", "explains health plans to families"]),
    ("real estate agent", CITY, (24, 66), ["rents apartments to students", "sells land on the edge of the city", "manages short-term rentals"]),
    ("hotel receptionist", CITY, (20, 50), ["speaks four languages", "handles the night shift", "helps guests plan day trips"]),
    ("tour guide", ANY, (22, 68), ["leads walking tours of the old town", "guides trekkers in the mountains", "runs boat tours for birdwatchers"]),
    ("flight attendant", CITY, (22, 55), ["works long-haul routes", "trains new crew in safety procedures", "is studying languages between trips"]),
    ("call centre agent", CITY, (19, 45), ["handles customer calls for a telecom company", "works night shifts for European clients", "is saving to study nursing"]),
    ("factory worker", CITY, (19, 60), ["works on a garment production line", "assembles electronics", "works in a food-processing plant"]),
    ("textile machine operator", CITY, (22, 60), ["runs looms in a cotton mill", "maintains knitting machines", "checks fabric for defects"]),
    ("miner", RURAL, (22, 58), ["works in a copper mine", "works underground in a coal mine", "operates drilling equipment"]),
    ("mining engineer", ANY, (26, 64), ["plans ventilation for underground mines", "works on the rehabilitation of old mining land", "studies tailings dam safety"]),
    ("solar installer", ANY, (20, 55), ["installs panels on homes and clinics", "sets up solar irrigation pumps", "trains young technicians"]),
    ("wind turbine technician", ANY, (23, 55), ["climbs turbines for maintenance", "works on an offshore wind farm", "diagnoses gearbox faults"]),
    ("environmental scientist", CITY, (26, 64), ["measures river pollution downstream of factories", "studies mangrove restoration", "monitors air quality"]),
    ("forest ranger", RURAL, (24, 62), ["patrols a national park", "works with communities on fire prevention", "counts wildlife with camera traps"]),
    ("meteorologist", CITY, (27, 65), ["forecasts monsoon rains", "works on flood warnings", "explains forecasts on television"]),
    ("geologist", ANY, (27, 66), ["maps groundwater for well drilling", "studies landslides on mountain roads", "works for a mining company"]),
    ("chemist", CITY, (26, 66), ["tests water samples in a public laboratory", "develops coatings for a paint factory", "works on quality control in a pharmaceutical plant"]),
    ("physicist", CITY, (27, 70), ["works on solar cell materials", "teaches laboratory physics", "runs the university's radiation safety office"]),
    ("astronomer", CITY, (28, 72), ["studies variable stars", "runs a public observatory", "analyses data from radio telescopes"]),
    ("biotechnologist", CITY, (26, 60), ["works on drought-resistant cassava", "develops rapid diagnostic tests", "studies enzymes for biofuels"]),
    ("nutritionist", CITY, (25, 62), ["designs school meal menus", "counsels patients with diabetes", "studies traditional diets"]),
    ("psychologist", CITY, (28, 70), ["counsels teenagers", "works with survivors of violence", "researches workplace stress"]),
    ("sports coach", ANY, (24, 66), ["coaches a youth football team", "trains long-distance runners at altitude", "coaches a women's volleyball team"]),
    ("professional footballer", CITY, (18, 34), ["plays in the second division", "is recovering from a hamstring injury", "is thinking about a coaching licence"]),
    ("personal trainer", CITY, (21, 50), ["runs outdoor boot camps", "trains older clients for strength and balance", "works in a hotel gym"]),
    ("yoga teacher", CITY, (24, 70), ["teaches classes in a community hall", "runs sessions for office workers", "trains in therapeutic yoga for back pain"]),
    ("imam", ANY, (30, 78), ["leads prayers at a neighbourhood mosque", "teaches Arabic to children", "runs a food bank"]),
    ("parish priest", ANY, (30, 80), ["serves three rural parishes", "runs a youth choir", "organises help for migrants"]),
    ("Buddhist monk", ANY, (20, 80), ["teaches meditation to lay people", "looks after the temple's library", "runs a school for novices"]),
    ("NGO project manager", CITY, (27, 60), ["runs a clean water project", "manages a girls' education programme", "coordinates disaster relief"]),
    ("civil servant", CITY, (24, 62), ["works on land registration", "processes business licences", "drafts regulations for the transport ministry"]),
    ("city council member", CITY, (30, 72), ["campaigns for better street lighting", "chairs the budget committee", "pushes for more public parks"]),
    ("diplomat", CITY, (30, 65), ["works on trade negotiations", "handles consular cases", "follows regional security issues"]),
    ("retired railway worker", ANY, (65, 85), ["collects old timetables", "volunteers at a railway museum", "writes letters to the newspaper about train services"]),
    ("retired teacher", ANY, (62, 86), ["tutors neighbourhood children for free", "writes local history", "keeps a vegetable garden"]),
    ("retired nurse", ANY, (62, 86), ["volunteers at a hospice", "looks after grandchildren", "follows news about medical research"]),
    ("retired engineer", ANY, (63, 86), ["repairs old radios", "advises the village water committee", "builds model bridges"]),
    ("retired sailor", COAST, (62, 86), ["tells stories of long voyages", "repairs fishing nets for neighbours", "follows ship-tracking websites"]),
    ("stay-at-home parent", ANY, (24, 50), ["looks after three young children", "runs a small online shop from home", "is planning to go back to university"]),
    ("caregiver", ANY, (22, 70), ["looks after a parent with dementia", "works as a live-in carer for an elderly man", "cares for a child with autism"]),
    ("domestic worker", CITY, (20, 60), ["works for two families across the city", "sends money home every month", "is learning to read with an evening class"]),
    ("security guard", CITY, (20, 62), ["works night shifts at a shopping mall", "guards a bank branch", "studies for a degree between rounds"]),
    ("hairdresser", ANY, (19, 66), ["runs a salon known for braids", "cuts hair in a barbershop near the university", "trains apprentices"]),
    ("auto mechanic", ANY, (19, 68), ["repairs minibuses in a roadside workshop", "specialises in diesel engines", "is learning to fix hybrid cars"]),
    ("bicycle mechanic", CITY, (18, 70), ["runs a repair stand", "builds cargo bikes", "teaches bike repair to teenagers"]),
    ("welder", ANY, (20, 62), ["builds metal gates and window grilles", "works in a shipyard", "repairs farm machinery"]),
    ("potter", ANY, (22, 80), ["makes cooking pots using old techniques", "sells glazed bowls to tourists", "teaches pottery to children"]),
    ("weaver", ANY, (20, 80), ["weaves traditional cloth on a handloom", "sells scarves to a fair-trade shop", "is reviving old natural dyes"]),
    ("jeweller", CITY, (22, 75), ["makes silver filigree", "repairs watches and jewellery", "works with recycled gold"]),
    ("shepherd", RURAL, (18, 78), ["moves sheep between summer and winter pastures", "makes cheese from the flock's milk", "protects the flock from wolves"]),
    ("horse breeder", RURAL, (28, 75), ["raises horses for racing", "trains horses for tourism", "keeps an old breed alive"]),
    ("winemaker", RURAL, (28, 78), ["runs a small family vineyard", "is trying natural wines", "worries about late frosts"]),
    ("olive grower", RURAL, (30, 80), ["presses oil at a cooperative mill", "is replanting groves after a drought", "sells oil directly to restaurants"]),
    ("fish farmer", ANY, (25, 65), ["raises tilapia in ponds", "farms catfish", "is trying integrated rice-fish farming"]),
    ("poultry farmer", ANY, (22, 68), ["keeps two thousand laying hens", "raises broilers for a supermarket", "is switching to free-range"]),
    ("landscape gardener", CITY, (20, 66), ["designs gardens with native plants", "maintains parks for the city", "builds green roofs"]),
    ("florist", CITY, (20, 70), ["sells flowers at a market stall", "arranges flowers for weddings", "grows some of the flowers she sells"]),
    ("museum curator", CITY, (30, 70), ["runs exhibitions of textiles", "works on returning looted objects", "digitises collections"]),
    ("archaeologist", ANY, (27, 72), ["excavates a Bronze Age settlement", "studies ancient trade routes", "works on rescue digs before road construction"]),
    ("historian of science", CITY, (30, 75), ["studies old astronomical instruments", "writes about the history of medicine", "researches early computing"]),
    ("podcast host", CITY, (22, 55), ["talks about personal finance", "interviews local entrepreneurs", "explains science to teenagers"]),
    ("video game developer", CITY, (21, 50), ["works at a small studio", "designs puzzles for mobile games", "writes game engines"]),
    ("e-commerce seller", CITY, (20, 55), ["sells handmade bags online", "ships electronics parts", "runs a shop on a social media platform"]),
    ("delivery rider", CITY, (18, 45), ["delivers food on an electric scooter", "delivers parcels for an online shop", "works for three apps"]),
    ("warehouse supervisor", CITY, (26, 60), ["manages stock for a supermarket chain", "works in a cold-storage warehouse", "is introducing barcode scanners"]),
    ("customs officer", PORT, (25, 60), ["inspects containers at the port", "checks imports of used cars", "works on smuggling cases"]),
    ("air traffic controller", CITY, (26, 58), ["works at a busy international airport", "trains on new radar systems", "handles night shifts"]),
    ("telecom engineer", ANY, (24, 60), ["maintains mobile towers in remote areas", "plans fibre networks", "works on rural internet access"]),
    ("water engineer", ANY, (26, 64), ["designs village water systems", "manages a treatment plant", "works on leak detection"]),
    ("sanitation worker", CITY, (20, 62), ["collects rubbish on early morning rounds", "sorts recyclables at a depot", "empties latrines in informal settlements"]),
    ("waste picker", CITY, (16, 70), ["collects plastic and metal to sell", "is part of a recycling cooperative", "knows which plastics fetch the best prices"]),
    ("artist", CITY, (22, 80), ["paints murals in the old town", "makes sculptures from scrap metal", "does printmaking"]),
    ("dancer", CITY, (18, 50), ["performs traditional dance", "teaches salsa", "is in a contemporary dance company"]),
    ("actor", CITY, (19, 70), ["works in street theatre", "acts in television soap operas", "does voice acting"]),
    ("chess coach", CITY, (20, 75), ["trains children for tournaments", "analyses games online", "runs a chess club in a café"]),
    ("amateur astronomer", ANY, (16, 80), ["photographs the Milky Way", "builds telescopes", "reports meteor sightings"]),
    ("birdwatcher", ANY, (20, 85), ["keeps a list of every species seen", "counts migrating birds", "photographs wetland birds"]),
    ("mountain guide", RURAL, (22, 62), ["leads climbs on glaciated peaks", "rescues lost hikers", "trains in avalanche safety"]),
    ("disability rights activist", CITY, (22, 70), ["campaigns for accessible buses", "runs a sign language club", "advises companies on accessible websites"]),
    ("labour union organiser", CITY, (25, 65), ["represents garment workers", "organises delivery riders", "negotiates with factory owners"]),
    ("cooperative leader", RURAL, (30, 72), ["runs a women's shea butter cooperative", "manages a dairy cooperative", "leads a coffee cooperative"]),
    ("village chief", RURAL, (45, 85), ["settles land disputes", "organises the harvest festival", "works with the district on road repairs"]),
    ("migrant worker", CITY, (20, 50), ["works in construction abroad and sends money home", "works on farms during the harvest season", "cleans offices at night"]),
    ("refugee teacher", CITY, (22, 60), ["teaches children in a camp school", "teaches the local language to newcomers", "runs a school for refugee children"]),
    ("startup founder", CITY, (22, 48), ["builds an app for farmers to sell produce", "runs a logistics startup", "makes software for clinics"]),
    ("venture capitalist", CITY, (30, 65), ["invests in fintech startups", "looks for climate technology companies", "mentors first-time founders"]),
    ("economist", CITY, (28, 70), ["studies inflation at the central bank", "works on poverty measurement", "advises on trade policy"]),
    ("statistician", CITY, (26, 66), ["runs the national census", "designs household surveys", "works on crop yield estimates"]),
    ("sociologist", CITY, (28, 72), ["studies migration to cities", "researches youth unemployment", "studies religious communities"]),
    ("linguist", CITY, (27, 75), ["documents an endangered language", "studies code-switching in cities", "builds dictionaries"]),
    ("archivist", CITY, (27, 70), ["preserves colonial-era records", "manages a company archive", "digitises photographs"]),
]

HOBBIES = [
    "{they} spend{s} weekends restoring an old motorcycle", "{they} play{s} in a five-a-side football league on Sundays",
    "{they} keep{s} a balcony garden of chillies and herbs", "{they} follow{s} the national cricket team obsessively",
    "{they} collect{s} vinyl records from the 1970s", "{they} sing{s} in a church choir",
    "{they} run{s} half-marathons", "{they} read{s} science fiction in translation",
    "{they} cook{s} for the whole family every Sunday", "{they} play{s} chess online late at night",
    "{they} write{s} poetry in {their} mother tongue", "{they} take{s} photographs of old buildings",
    "{they} volunteer{s} at an animal shelter", "{they} fish{es} in the river on quiet evenings",
    "{they} watch{es} Korean dramas with {their} sister", "{they} build{s} model ships",
    "{they} go{es} hiking in the hills whenever {they} can", "{they} learn{s} the guitar from online videos",
    "{they} keep{s} racing pigeons", "{they} bake{s} bread for neighbours", "{they} play{s} the oud",
    "{they} dance{s} at community festivals", "{they} follow{s} local football and argue about it online",
    "{they} do{es} crossword puzzles every morning", "{they} grow{s} orchids", "{they} cycle{s} to work every day",
    "{they} play{s} mahjong with old friends", "{they} collect{s} stamps from former colonies",
    "{they} practise{s} calligraphy", "{they} swim{s} in the sea before work", "{they} birdwatch{es} on weekends",
    "{they} knit{s} for a charity", "{they} repair{s} old clocks", "{they} play{s} video games with {their} children",
    "{they} coach{es} a children's basketball team", "{they} make{s} pickles and preserves",
    "{they} listen{s} to history podcasts on the commute", "{they} paint{s} watercolours",
]

# Goals: (template, youngest, oldest, only for people who run a business).
GOALS = [
    ("{they} want{s} to understand the new tax rules for small businesses", 22, 80, True),
    ("{they} want{s} to open a second branch", 25, 70, True),
    ("{they} {are} looking for a cheaper supplier", 22, 80, True),
    ("{they} {are} saving to send {their} children to university", 32, 60, False),
    ("{they} {are} learning English to apply for jobs abroad", 17, 45, False),
    ("{they} {are} studying for a professional certificate", 20, 55, False),
    ("{they} want{s} to know whether solar power would pay off at home", 25, 85, False),
    ("{they} {are} trying to lower {their} blood pressure", 40, 90, False),
    ("{they} {are} planning a pilgrimage next year", 30, 90, False),
    ("{they} worr{ies} about rising rents in the neighbourhood", 18, 90, False),
    ("{they} {are} looking into a mortgage for a first flat", 24, 45, False),
    ("{they} want{s} to start a podcast about {their} work", 20, 60, False),
    ("{they} {are} preparing a talk for a regional conference", 25, 75, False),
    ("{they} {are} writing a memoir for {their} grandchildren", 60, 95, False),
    ("{they} {are} learning to code in the evenings", 15, 60, False),
    ("{they} {are} curious about how artificial intelligence will change {their} job", 18, 64, False),
    ("{they} want{s} to move back to {their} home town one day", 20, 60, False),
    ("{they} {are} trying to eat less meat", 15, 90, False),
    ("{they} {are} researching the family's history", 30, 95, False),
    ("{they} {are} teaching {their} parents to use a smartphone", 15, 55, False),
    ("{they} {are} comparing pension schemes", 35, 64, False),
    ("{they} {are} preparing for a marathon", 18, 60, False),
    ("{they} want{s} to understand how climate change will affect {their} region", 15, 90, False),
    ("{they} {are} learning sign language", 15, 80, False),
    ("{they} {are} following a court case that affects {their} street", 25, 90, False),
    ("{they} {are} studying a second language for {their} work", 18, 60, False),
    ("{they} want{s} to buy an electric scooter", 16, 60, False),
    ("{they} {are} looking for scholarships for a master's degree", 18, 35, False),
    ("{they} {are} organising a reunion of former classmates", 30, 90, False),
    ("{they} {are} trying to understand a new health insurance plan", 20, 90, False),
    ("{they} {are} planning to retire within five years", 58, 66, False),
    ("{they} {are} helping a grandchild with school projects", 58, 95, False),
    ("{they} {are} thinking about changing careers", 25, 50, False),
    ("{they} {are} deciding which university to apply to", 15, 19, False),
]

BUSINESS_WORDS = ("owner", "shopkeeper", "trader", "vendor", "seller", "baker", "tailor", "founder", "chef",
                  "hairdresser", "jeweller", "florist", "grower", "farmer", "winemaker", "breeder", "plumber", "potter")

NEEDS = [
    "{they} often look{s} up {domain} in plain language", "{they} like{s} clear, practical explanations of {domain}",
    "{they} read{s} everything {they} can find on {domain}", "{they} keep{s} a folder of articles on {domain}",
    "{they} ask{s} colleagues and search{es} online about {domain}", "{they} prefer{s} short, reliable answers about {domain}",
]

DOMAINS = {
    "nurse": "drug dosages and patient safety", "health": "public health guidance", "practitioner": "new treatment guidelines",
    "pharmacist": "medicine interactions", "midwife": "maternal health", "dentist": "oral health research",
    "physiotherapist": "rehabilitation exercises", "veterinarian": "animal diseases", "epidemiologist": "disease surveillance methods",
    "farmer": "weather, crop prices and soil health", "grower": "plant diseases and market prices", "supervisor": "plantation management",
    "beekeeper": "bee health", "agronomist": "crop research", "fisherman": "fishing regulations and weather at sea",
    "trader": "prices and trade rules", "pilot": "maritime safety", "operator": "logistics and machinery",
    "biologist": "ocean ecosystems", "clerk": "customs and trade paperwork", "engineer": "engineering standards",
    "analyst": "data and statistics", "researcher": "recent research papers", "technician": "equipment repair",
    "agent": "financial services", "electrician": "electrical codes", "plumber": "plumbing fixes",
    "carpenter": "woodworking techniques", "bricklayer": "building materials", "architect": "building design",
    "planner": "city planning", "driver": "road rules and routes", "rider": "traffic and earnings", "mechanic": "vehicle repair",
    "teacher": "teaching methods", "lecturer": "historical sources", "professor": "mathematics", "librarian": "books and archives",
    "principal": "education policy", "educator": "child development", "student": "study topics and exams",
    "lawyer": "laws and court decisions", "judge": "legal precedents", "officer": "law and procedures", "firefighter": "fire safety",
    "worker": "workers' rights and practical know-how", "journalist": "public records and current affairs", "presenter": "local news",
    "photographer": "cameras and photo editing", "translator": "terminology", "novelist": "history and settings for stories",
    "designer": "design trends", "musician": "music theory and gear", "editor": "film editing", "chef": "recipes and food safety",
    "vendor": "food hygiene and permits", "baker": "baking techniques", "owner": "running a small business",
    "tailor": "fabrics and patterns", "shopkeeper": "suppliers and prices", "accountant": "tax law",
    "stockbroker": "markets", "receptionist": "travel and tourism", "guide": "local history and nature", "attendant": "travel rules",
    "miner": "mine safety", "installer": "solar technology", "scientist": "environmental data", "ranger": "wildlife and forests",
    "meteorologist": "weather models", "geologist": "rocks, water and landslides", "chemist": "chemical methods",
    "physicist": "physics", "astronomer": "astronomy", "biotechnologist": "biotechnology", "nutritionist": "nutrition science",
    "psychologist": "mental health", "coach": "training methods", "footballer": "sports medicine", "trainer": "exercise science",
    "imam": "religious texts and community matters", "priest": "theology and social care", "monk": "Buddhist teachings",
    "manager": "development projects", "servant": "regulations", "member": "city budgets and services", "diplomat": "international relations",
    "parent": "parenting and schooling", "caregiver": "caring for the sick and elderly", "guard": "security and safety",
    "hairdresser": "hair care", "welder": "welding", "potter": "ceramics", "weaver": "textile crafts", "jeweller": "metals and gems",
    "shepherd": "livestock and pasture", "breeder": "horse care", "winemaker": "winemaking", "gardener": "plants and gardens",
    "florist": "flowers", "curator": "art and museums", "archaeologist": "archaeology", "historian": "history of science",
    "host": "interview topics", "developer": "software", "seller": "online selling", "controller": "aviation",
    "picker": "recycling", "artist": "art techniques", "dancer": "dance", "actor": "theatre and film", "astronomer_am": "the night sky",
    "birdwatcher": "bird identification", "activist": "rights and policy", "organiser": "labour law", "leader": "cooperatives",
    "chief": "customary law and land", "founder": "startups and funding", "capitalist": "startups and investment",
    "economist": "economic data", "statistician": "survey methods", "sociologist": "social research", "linguist": "languages",
    "archivist": "archives and preservation", "sailor": "ships and the sea",
}

PRONOUNS = [
    {"they": "She", "s": "s", "es": "es", "are": "is", "their": "her", "ies": "ies"},
    {"they": "He", "s": "s", "es": "es", "are": "is", "their": "his", "ies": "ies"},
    {"they": "They", "s": "", "es": "", "are": "are", "their": "their", "ies": "y"},
]


def article(word: str) -> str:
    return "An" if word[0].lower() in "aeiou" or word.startswith(("8", "11", "18")) else "A"


def domain_for(title: str) -> str:
    for word in reversed(title.split()):
        if word in DOMAINS:
            return DOMAINS[word]
    return "the things {they} work{s} with"


def fits(tag: str, place_tags: set) -> bool:
    return tag == ANY or tag in place_tags


def fill(template: str, pronoun: dict) -> str:
    text = template
    for key in ("they", "their"):
        text = text.replace("{" + key + "}", pronoun[key].lower() if key == "their" else pronoun[key])
    text = text.replace("{are}", pronoun["are"]).replace("{ies}", pronoun["ies"])
    text = text.replace("{es}", pronoun["es"]).replace("{s}", pronoun["s"])
    # A sentence starts with the pronoun; later occurrences of "She/He/They" inside it are lower-cased.
    first, rest = text[:len(pronoun["they"])], text[len(pronoun["they"]):]
    return first + rest.replace(pronoun["they"], pronoun["they"].lower())


def make_personas() -> list:
    rng = random.Random(SEED)
    personas, seen = [], set()
    for title, tag, (low, high), details in OCCUPATIONS:
        places = [name for name, tags in PLACES if fits(tag, tags)]
        rng.shuffle(places)
        for index in range(PER_OCCUPATION):
            place = places[index % len(places)]
            detail = details[index % len(details)]
            pronoun = PRONOUNS[rng.choices((0, 1, 2), weights=(46, 46, 8))[0]]
            if title in ("fisherman", "imam", "parish priest") and pronoun["they"] == "She":
                pronoun = PRONOUNS[1]
            age = rng.randint(low, high)
            age_words = f"{age}-year-old"
            kind = rng.random()
            if kind < 0.4:
                tail = fill(rng.choice(HOBBIES), pronoun)
            elif kind < 0.75:
                business = any(word in title for word in BUSINESS_WORDS)
                goals = [g for g, young, old, only in GOALS if young <= age <= old and (business or not only)]
                tail = fill(rng.choice(goals), pronoun)
            else:
                need = rng.choice(NEEDS).replace("{domain}", domain_for(title))
                tail = fill(need, pronoun)
            text = f"{article(age_words)} {age_words} {title} in {place} who {detail}. {tail}."
            if text in seen:
                continue
            seen.add(text)
            personas.append(text)
    rng.shuffle(personas)
    return personas


def main() -> int:
    out = Path(__file__).resolve().parent.parent / "personas" / "personas.jsonl"
    lines = "".join(json.dumps({"persona": p}, ensure_ascii=False) + "\n" for p in make_personas())
    if "--check" in sys.argv:
        same = out.exists() and out.read_text(encoding="utf-8") == lines
        print("personas.jsonl is up to date" if same else "personas.jsonl differs from scripts/make_personas.py output")
        return 0 if same else 1
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(lines, encoding="utf-8")
    print(f"wrote {lines.count(chr(10))} personas to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
