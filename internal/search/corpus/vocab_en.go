package corpus

// The English vocabulary of the same municipal site.

var enSections = map[string]string{
	"news":    "News",
	"support": "Business support",
	"guide":   "Living here",
	"events":  "Events",
	"files":   "Documents",
}

var enTopics = []string{
	"startup support", "business grant", "subsidy", "small business loan", "business succession",
	"childcare support", "long-term care insurance", "disaster drill", "resident tax",
	"national health insurance", "recycling", "library services", "park maintenance", "road works",
	"elections", "My Number card", "vaccination", "health check-up", "vacant houses",
	"tourism promotion", "community revitalisation", "founders' seminar", "management consultation",
	"employment support", "scholarship", "water and sewerage", "bulky waste collection",
	"shopping street revival", "overseas expansion", "gender equality", "elderly welfare",
	"child allowance", "nursery admission", "public procurement", "consumer advice",
	"international exchange", "lifelong learning", "incubation programme", "mentoring programme",
}

var enOrgs = []string{
	"Minato Bay City", "Minato Bay City", "the Tokyo Metropolitan Government", "the Chamber of Commerce",
	"the SME Support Centre", "the Industry Promotion Division", "the national government",
}

var enPlaces = []string{
	"1-2-3 Minatomachi, Chuo Ward", "4-5-6 Sakuradai, Kita Ward", "3 Shiomicho, Minami Ward",
	"2-8-1 Nishi-Shinjuku, Shinjuku, Tokyo",
}

var enFacilities = []string{
	"the Civic Hall", "the Bay Incubation Hub", "the Central Library", "the Industry Promotion Centre",
	"City Hall, 5th floor", "the Minatomachi Community Centre",
}

var enDepts = []string{
	"the Startup Support Office", "the Citizens' Affairs Division", "the Childcare Division",
	"the Environmental Policy Division", "the Disaster Management Division", "the Health Promotion Division",
	"the Tax Division",
}

var enPeople = []string{
	"residents", "small businesses in the city", "people planning to start a business", "sole proprietors",
	"parents", "residents aged 65 or over", "students", "non-profit organisations", "companies",
}

var enDocs = []string{
	"application form", "business plan", "certificate of residence", "proof of identity", "quotation",
	"financial statements", "guidelines", "activity report", "leaflet",
}

var enVerbs = []string{"published", "updated", "revised", "summarised", "released"}

var enHeadings = []string{
	"Overview", "Who can apply", "How to apply", "Application period", "Documents required",
	"Date and time", "Venue", "Capacity and fees", "Contact", "Frequently asked questions", "Notes",
	"What the grant covers", "Schedule", "Related information",
}

var enEvents = []string{
	"seminar", "workshop", "information session", "pitch contest", "networking evening", "open day",
	"consultation day", "online briefing",
}

var enMonths = []string{
	"January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
	"November", "December",
}

// enSentences are templates as jaSentences are.
var enSentences = []string{
	"{Org} has {verb} the {doc} for the {topic}.",
	"Applications for the {topic} open on {date}.",
	"The programme is open to {people} registered in Minato Bay City.",
	"You will need a {doc} and a {doc} to apply.",
	"For details, contact {dept} on {phone}.",
	"Together with {org}, we are holding a {event} on {topic}.",
	"The venue is {facility}, {place}.",
	"On {date} at {hour}:00, {facility} hosts a {event} on {topic}.",
	"Places are limited to {num} and attendance is free.",
	"The {doc} for the {topic} can be downloaded from this page.",
	"In fiscal {year}, the {topic} received {num} applications.",
	"Businesses founded within the last {small} years may apply for the {topic}.",
	"subsidy|The subsidy covers up to two thirds of eligible costs, with a ceiling of {num},000 yen.",
	"Submit the forms in person at {dept} or send them by post.",
	"Register for the {event} online by {date}.",
	"product|The new payment service {product} is accepted at {num} shops in the city.",
	"Owing to unavoidable circumstances, the {event} on {date} is cancelled.",
	"Documents submitted cannot be returned.",
	"{Org} runs the {topic} together with the {topic}.",
	"subsidy|Our mentors help founders test their ideas with real customers before they apply for a subsidy.",
	"kyoto|A delegation from Kyoto City visited the incubation hub.",
	"The incubation hub offers shared desks, private rooms and a prototyping workshop.",
}
