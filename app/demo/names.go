package demo

// The name tables below are what makes the generated people look like the
// staff of a European organisation: given and family names from several
// countries, with their diacritics, Dutch family-name prefixes, formal given
// names with the name a person is called by, and a preferred language.

// nameGroup is the names of one country or language area.
type nameGroup struct {
	// weight is the group's share of the staff, relative to the others.
	weight int
	// lang is the preferred language most of the group chooses.
	lang   string
	male   []string
	female []string
	// formal are given names that people are rarely called by, with the
	// name they go by; HR records the formal name and the nickname.
	formal []formalName
	// second are second given names added after a formal given name,
	// for men and for women.
	second, secondFemale []string
	family               []string
	// prefixed are family names with a Dutch or Flemish prefix, which
	// an HR export keeps in a column of its own.
	prefixed [][2]string
	// prefixShare is the percentage of family names taken from prefixed.
	prefixShare int
	// formalShare is the percentage of people with a formal given name.
	formalShare int
	// doubleShare is the percentage of people with two family names
	// (Spanish and Portuguese naming).
	doubleShare int
	// feminine turns a family name into its feminine form (Polish -ski
	// becomes -ska); nil when the language has no such forms.
	feminine func(string) string
}

type formalName struct {
	name, nick string
	female     bool
}

var nameGroups = []nameGroup{
	{
		weight: 44, lang: "nl",
		male: []string{"Jan", "Pieter", "Daan", "Sem", "Lucas", "Bram", "Thijs", "Joost", "Ruben", "Sander",
			"Wouter", "Maarten", "Gijs", "Sjoerd", "Niels", "Jeroen", "Bas", "Koen", "Stijn", "Teun",
			"Jesse", "Mees", "Luuk", "Floris", "Tijmen", "Job", "Rutger", "Olivier", "Hugo", "Gerrit"},
		female: []string{"Anna", "Emma", "Sophie", "Julia", "Fleur", "Sanne", "Lotte", "Eva", "Femke", "Iris",
			"Anouk", "Marieke", "Ingrid", "Noor", "Lieke", "Chloé", "Zoë", "Renée", "Inge", "Esther",
			"Linda", "Marloes", "Mirjam", "Saskia", "Roos", "Maud", "Floor", "Noëlle", "Daphne", "Ilse"},
		formal: []formalName{
			{"Johannes", "Jan", false}, {"Johannes", "Hans", false}, {"Cornelis", "Kees", false},
			{"Hendrikus", "Henk", false}, {"Wilhelmus", "Wim", false}, {"Petrus", "Peter", false},
			{"Jacobus", "Jaap", false}, {"Gerardus", "Gerard", false}, {"Theodorus", "Theo", false},
			{"Adrianus", "Arie", false}, {"Franciscus", "Frank", false}, {"Antonius", "Ton", false},
			{"Catharina", "Karin", true}, {"Johanna", "Anneke", true}, {"Maria", "Mieke", true},
			{"Elisabeth", "Liesbeth", true}, {"Geertruida", "Truus", true}, {"Wilhelmina", "Willy", true},
			{"Cornelia", "Corrie", true}, {"Jacoba", "Coby", true}, {"Adriana", "Jeanette", true},
			{"Petronella", "Nel", true},
		},
		second:       []string{"Maria", "Johannes", "Gerardus", "Antonius", "Petrus", "Josephus"},
		secondFemale: []string{"Maria", "Johanna", "Elisabeth", "Wilhelmina", "Theodora", "Catharina"},
		family: []string{"Jansen", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "Bos", "Vos", "Peters", "Hendriks",
			"Dekker", "Dijkstra", "Brouwer", "Kok", "Jacobs", "Vermeulen", "Hoekstra", "Koster", "Prins", "Huisman",
			"Kuipers", "Schouten", "Willems", "Postma", "Bosman", "Veenstra", "Kramer", "Hoogendoorn", "Verhoeven", "Sluijter",
			"Wijnands", "Brinkman", "Timmermans", "Groenewegen", "Zwart", "Blom", "Maas", "Koopman", "Scholten", "Hermans"},
		prefixed: [][2]string{
			{"de", "Vries"}, {"de", "Jong"}, {"van", "Dijk"}, {"van den", "Berg"}, {"van der", "Meer"},
			{"van der", "Linden"}, {"de", "Boer"}, {"van", "Leeuwen"}, {"de", "Graaf"}, {"van der", "Heijden"},
			{"van", "Wijk"}, {"de", "Groot"}, {"ter", "Haar"}, {"ter", "Horst"}, {"van den", "Bosch"},
			{"in 't", "Veld"}, {"van 't", "Hof"}, {"de", "Wit"}, {"van", "Beek"}, {"van der", "Wal"},
			{"van", "Dam"}, {"de", "Haan"}, {"ten", "Cate"}, {"van den", "Broek"}, {"van der", "Veen"},
			{"de", "Ruiter"}, {"van", "Rijn"}, {"op den", "Kamp"}, {"van der", "Zee"}, {"de", "Bruijn"},
		},
		prefixShare: 40, formalShare: 22,
	},
	{
		weight: 8, lang: "de",
		male: []string{"Björn", "Jürgen", "Lukas", "Felix", "Jonas", "Sebastian", "Matthias", "Stefan", "Jörg", "Uwe",
			"Kai", "Tobias", "Henrik", "Moritz", "Dieter", "Günther", "Florian", "Sören"},
		female: []string{"Anja", "Katrin", "Sabine", "Lea", "Hannah", "Leonie", "Jana", "Mareike", "Ute", "Käthe",
			"Dörte", "Birgit", "Jördis", "Annika", "Franziska", "Bärbel", "Anna-Lena", "Svenja"},
		formal: []formalName{
			{"Maximilian", "Max", false}, {"Alexander", "Alex", false}, {"Christoph", "Chris", false},
			{"Katharina", "Kathi", true}, {"Susanne", "Susi", true}, {"Johanna", "Hanna", true},
		},
		family: []string{"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schäfer", "Koch",
			"Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Köhler", "Groß", "Krüger", "Weiß",
			"Hoffmann", "Lehmann", "Jäger", "Böhm", "Hübner", "Vogel", "Günther", "Lorenz"},
		formalShare: 8,
	},
	{
		weight: 8, lang: "fr",
		male: []string{"François", "Jérôme", "Benoît", "Cédric", "Hervé", "Loïc", "Théo", "Mathis", "Raphaël", "Gaël",
			"Noël", "Julien", "Étienne", "Joël", "Jean-Pierre", "Jean-Luc", "Timothée", "Aurélien"},
		female: []string{"Anaïs", "Chloé", "Zoé", "Hélène", "Amélie", "Mélanie", "Léa", "Inès", "Maëlle", "Céline",
			"Élodie", "Noémie", "Agnès", "Océane", "Anne-Sophie", "Marie-Claire", "Gaëlle", "Bérénice"},
		family: []string{"Dubois", "Lefèvre", "Moreau", "Girard", "Fontaine", "Chevalier", "Rousseau", "Mercier", "Lambert", "Bonnet",
			"François", "Gauthier", "Bélanger", "Benoît", "Lemaître", "Hébert", "Deschênes", "Côté", "Leclercq", "Ménard",
			"Peeters", "Janssens", "Claes", "Goossens"},
		formal: []formalName{
			{"Alexandre", "Alex", false}, {"Frédéric", "Fred", false}, {"Dominique", "Dom", true},
		},
		formalShare: 5,
	},
	{
		weight: 6, lang: "es",
		male: []string{"José", "Jesús", "Andrés", "Álvaro", "Martín", "Sebastián", "João", "António", "Gonçalo", "Rubén",
			"Iñigo", "Joaquín", "Nicolás", "Tomás"},
		female: []string{"María", "Lucía", "Sofía", "Inês", "Begoña", "Mónica", "Raquel", "Ana", "Beatriz", "Conceição",
			"Leonor", "Verónica", "Ángela", "Núria"},
		formal: []formalName{
			{"Francisco", "Paco", false}, {"José María", "Chema", false}, {"Guadalupe", "Lupe", true},
			{"María del Carmen", "Carmen", true}, {"Dolores", "Lola", true},
		},
		family: []string{"García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez", "Pérez", "Gómez", "Muñoz",
			"Jiménez", "Ibáñez", "Gonçalves", "Magalhães", "Araújo", "Simões", "Peña", "Núñez", "Castaño", "Ortiz"},
		formalShare: 10, doubleShare: 40,
	},
	{
		weight: 7, lang: "pl",
		male: []string{"Łukasz", "Paweł", "Michał", "Piotr", "Tomasz", "Krzysztof", "Jakub", "Bartłomiej", "Grzegorz", "Mikołaj",
			"Marek", "Adam", "Przemysław", "Sławomir"},
		female: []string{"Agnieszka", "Joanna", "Magdalena", "Zofia", "Bożena", "Dorota", "Jolanta", "Elżbieta", "Urszula", "Anna",
			"Ewa", "Iwona", "Józefa", "Grażyna"},
		formal: []formalName{
			{"Wojciech", "Wojtek", false}, {"Aleksander", "Olek", false}, {"Stanisław", "Staszek", false},
			{"Katarzyna", "Kasia", true}, {"Małgorzata", "Gosia", true}, {"Aleksandra", "Ola", true},
		},
		family: []string{"Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski", "Zieliński", "Szymański", "Woźniak", "Dąbrowski",
			"Kozłowski", "Jankowski", "Mazur", "Krawczyk", "Grabowski", "Nowak", "Pawłowski", "Michalski", "Król", "Wróbel"},
		formalShare: 20, feminine: polishFeminine,
	},
	{
		weight: 5, lang: "da",
		male: []string{"Søren", "Björn", "Lars", "Mikkel", "Jørgen", "Åke", "Magnus", "Henrik", "Nils", "Anders",
			"Rasmus", "Øystein", "Håkon", "Göran", "Sindre", "Jens"},
		female: []string{"Ingrid", "Sigrid", "Åsa", "Märta", "Solveig", "Astrid", "Freja", "Linnéa", "Maja", "Kirsten",
			"Mette", "Bjørg", "Sofie", "Tove", "Ragnhild", "Signe"},
		family: []string{"Ødegaard", "Sørensen", "Jørgensen", "Hansen", "Nielsen", "Andersson", "Johansson", "Lindqvist", "Åberg", "Strøm",
			"Bjørnstad", "Nyström", "Håkansson", "Løvland", "Ekström", "Mørk", "Dahl", "Berg", "Lindgren", "Kjær"},
	},
	{
		weight: 7, lang: "tr",
		male: []string{"Mehmet", "Mustafa", "Emre", "Burak", "Çağrı", "Oğuz", "Ömer", "Yusuf", "Barış", "Gökhan",
			"Hakan", "İsmail", "Serkan", "Tolga"},
		female: []string{"Ayşe", "Elif", "Zeynep", "Fatma", "Gülşen", "Büşra", "Şule", "Özlem", "Merve", "Hülya",
			"Derya", "Sevgi", "Emine", "Tuğba"},
		family: []string{"Çelik", "Yılmaz", "Kaya", "Demir", "Şahin", "Yıldız", "Öztürk", "Aydın", "Özdemir", "Arslan",
			"Doğan", "Kılıç", "Aslan", "Çetin", "Koç", "Kurt", "Özkan", "Şimşek"},
	},
	{
		weight: 3, lang: "vi",
		male:   []string{"Minh", "Tuấn", "Dũng", "Hùng", "Quang", "Đức", "Thành", "Long", "Bảo", "Huy"},
		female: []string{"Linh", "Ngọc", "Thảo", "Hương", "Lan", "Mai", "Trang", "Phương", "Hà", "Thu"},
		family: []string{"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ"},
	},
	{
		weight: 5, lang: "it",
		male:   []string{"Giuseppe", "Niccolò", "Luca", "Matteo", "Lorenzo", "Andrea", "Davide", "Federico", "Giacomo", "Salvatore"},
		female: []string{"Giulia", "Chiara", "Francesca", "Alessia", "Martina", "Sara", "Elisa", "Benedetta", "Caterina", "Noemi"},
		family: []string{"Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco",
			"De Luca", "D'Angelo", "Fabbri", "Caruso", "Lombardi", "Moretti", "Gallo", "Conti"},
	},
	{
		weight: 6, lang: "en",
		male: []string{"Oliver", "Jack", "Harry", "James", "Thomas", "George", "Liam", "Connor", "Seán", "Ciarán",
			"Daniel", "Edward"},
		female: []string{"Olivia", "Amelia", "Isla", "Emily", "Grace", "Siobhán", "Niamh", "Aoife", "Charlotte", "Eleanor",
			"Sinéad", "Hannah"},
		formal: []formalName{
			{"William", "Bill", false}, {"Robert", "Rob", false}, {"Elizabeth", "Beth", true}, {"Margaret", "Maggie", true},
		},
		family: []string{"Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "O'Brien", "O'Connor",
			"Murphy", "Walsh", "McCarthy", "Byrne", "Ó Súilleabháin", "Clarke"},
		formalShare: 10,
	},
}

// polishFeminine returns the feminine form of a Polish family name.
func polishFeminine(s string) string {
	for _, sfx := range [][2]string{{"ski", "ska"}, {"cki", "cka"}, {"dzki", "dzka"}} {
		if n := len(s) - len(sfx[0]); n > 0 && s[n:] == sfx[0] {
			return s[:n] + sfx[1]
		}
	}
	return s
}

// division is a top-level part of the organisation, with the departments
// it usually has and the jobs people do in it.
type division struct {
	code, name string
	// functions name the departments of the division.
	functions []string
	jobs      []string
	// shifts is set for divisions that work in shifts.
	shifts bool
}

// divisions are in the order the generator adds them: a small demo has
// the first three.
var divisions = []division{
	{"ICT", "Information Technology",
		[]string{"Service Desk", "Infrastructure", "Application Management", "Software Development", "Information Security", "Data & Analytics", "Identity & Access Management", "Workplace Services"},
		[]string{"Software Engineer", "Service Desk Agent", "System Administrator", "Network Engineer", "Security Officer", "Data Analyst", "Product Owner", "IAM Specialist", "Scrum Master", "Cloud Architect"}, false},
	{"OPS", "Operations",
		[]string{"Production", "Quality Assurance", "Maintenance", "Planning", "Warehouse", "Packaging", "Process Engineering"},
		[]string{"Operator", "Production Worker", "Quality Inspector", "Maintenance Technician", "Planner", "Shift Supervisor", "Process Engineer", "Packer"}, true},
	{"FIN", "Finance",
		[]string{"Accounts Payable", "Accounts Receivable", "Controlling", "Treasury", "Payroll", "Tax", "Financial Planning & Analysis", "Internal Audit"},
		[]string{"Accountant", "Financial Controller", "Payroll Administrator", "Treasury Analyst", "Tax Specialist", "Bookkeeper", "Business Controller", "Auditor"}, false},
	{"HRM", "Human Resources",
		[]string{"Recruitment", "Learning & Development", "HR Services", "Compensation & Benefits", "Employee Relations", "Health & Safety"},
		[]string{"HR Advisor", "Recruiter", "HR Business Partner", "Learning Consultant", "HR Assistant", "Occupational Health Advisor"}, false},
	{"SAL", "Sales",
		[]string{"Inside Sales", "Field Sales", "Key Accounts", "Sales Support", "Partner Channel", "Tenders"},
		[]string{"Account Manager", "Sales Representative", "Key Account Manager", "Sales Support Officer", "Bid Manager"}, false},
	{"CSV", "Customer Service",
		[]string{"Contact Centre", "Complaints", "Field Service", "Customer Success", "Returns"},
		[]string{"Customer Service Agent", "Field Service Engineer", "Customer Success Manager", "Complaints Officer", "Team Coach"}, true},
	{"LOG", "Logistics",
		[]string{"Inbound", "Outbound", "Transport", "Distribution Centre", "Fleet Management"},
		[]string{"Warehouse Associate", "Forklift Driver", "Truck Driver", "Logistics Coordinator", "Dispatcher"}, true},
	{"MKT", "Marketing & Communication",
		[]string{"Brand", "Digital Marketing", "Communication", "Events", "Product Marketing"},
		[]string{"Marketing Specialist", "Content Writer", "Communications Advisor", "Graphic Designer", "Event Coordinator"}, false},
	{"RND", "Research & Development",
		[]string{"Product Development", "Engineering", "Laboratory", "Innovation", "Testing"},
		[]string{"R&D Engineer", "Lab Technician", "Research Scientist", "Test Engineer", "Product Designer"}, false},
	{"LEG", "Legal & Compliance",
		[]string{"Legal Affairs", "Compliance", "Privacy", "Risk Management"},
		[]string{"Legal Counsel", "Compliance Officer", "Privacy Officer", "Risk Analyst", "Paralegal"}, false},
	{"FAC", "Facilities",
		[]string{"Facility Services", "Security", "Reception", "Catering", "Cleaning"},
		[]string{"Facility Coordinator", "Security Guard", "Receptionist", "Cook", "Cleaner"}, true},
	{"PRC", "Procurement",
		[]string{"Purchasing", "Contract Management", "Supplier Quality"},
		[]string{"Buyer", "Contract Manager", "Procurement Officer"}, false},
}

// rootJobs are the jobs of the staff that works directly under the board.
var rootJobs = []string{"Executive Assistant", "Management Assistant", "Board Secretary", "Strategy Advisor"}

// managerJobs are the titles of department managers by level: the root,
// a division, a department and a team.
var managerJobs = [4]string{"Chief Executive Officer", "Director", "Department Manager", "Team Lead"}

// cities are the locations departments work from.
var cities = []string{"Amsterdam", "Utrecht", "Rotterdam", "Den Haag", "Eindhoven", "Groningen", "Zwolle",
	"'s-Hertogenbosch", "Antwerpen", "Liège", "Düsseldorf", "Arnhem"}

// teamNames name the teams of a department.
var teamNames = []string{"North", "South", "East", "West", "Central", "Alpha", "Bravo", "Charlie", "Delta", "Echo"}
