package manifest

import (
	"fmt"
	"strings"
)

// regimeMeanings says what each regime is and which chapter of the Act on
// the Protection of Personal Information governs it, for the problems that
// ask for one.
var regimeMeanings = map[string]string{
	RegimeBusiness:           "a private business, chapter 4 of the Act on the Protection of Personal Information",
	RegimeNationalOrgan:      "a national administrative organ, chapter 5",
	RegimeLocalGovernment:    "an organ of a local government, chapter 5 and the government's implementing ordinance",
	RegimeIncorporatedAgency: "an incorporated administrative agency or similar body, chapter 5",
}

// regimeChoices lists the regimes with their meanings.
func regimeChoices() string {
	parts := make([]string, len(Regimes))
	for i, r := range Regimes {
		parts[i] = fmt.Sprintf("%s (%s)", r, regimeMeanings[r])
	}
	return "one of " + strings.Join(parts, "; ")
}

// Longest deadline and extension a public body may set: Art. 83 gives 30
// days each, and an ordinance may only shorten them (Art. 108).
const maxPublicDays = 30

// regime checks what the operator's regime requires of the operator, of
// the contractors abroad and of the requests section. An unknown regime is reported alone: what it would
// require is not known.
func (v *validator) regime() {
	o := &v.m.Operator
	switch {
	case o.Regime == "":
		v.addf("operator.regime", "required: %s", regimeChoices())
		return
	case regimeMeanings[o.Regime] == "":
		v.addf("operator.regime", "unknown regime %q: want %s", o.Regime, regimeChoices())
		return
	}

	hasOrdinance := len(o.Ordinance.Name) > 0 || o.Ordinance.URL != ""
	switch {
	case o.Regime == RegimeLocalGovernment:
		if len(o.Ordinance.Name) == 0 {
			v.addf("operator.ordinance.name", "required for a local government: the name of its ordinance implementing the Act (施行条例)")
		}
		v.checkURL("operator.ordinance.url", o.Ordinance.URL, false)
	case hasOrdinance:
		v.addf("operator.ordinance", "only a local government (regime %s) has an implementing ordinance; this operator's regime is %s", RegimeLocalGovernment, o.Regime)
	}

	v.transferBases(o.PublicBody())

	r := &v.m.Requests
	if !o.PublicBody() {
		if len(o.Address) == 0 {
			v.addf("operator.address", "required for a business: Art. 32 has the policy publish its address")
		}
		if len(o.Representative) == 0 {
			v.addf("operator.representative", "required for a business: Art. 32 has the policy publish its representative's title and name")
		}
		if !r.Extension.IsZero() {
			v.addf("requests.extension", "only a public body extends its deadline (Art. 83(2)); a business answers without delay (Arts. 33 to 35), within requests.deadline")
		}
		if r.FileRegister != "" {
			v.addf("requests.file_register", "only a public body keeps a register of personal information files (個人情報ファイル簿, Art. 75)")
		}
		if len(r.Appeal) > 0 {
			v.addf("requests.appeal", "a request for review (審査請求) is against a public body's decision; a business has none")
		}
		v.days("requests.deadline", r.Deadline, 0)
		return
	}

	if len(r.Fee) == 0 {
		v.addf("requests.fee", "required for a public body: the fee of a request for disclosure as the ordinance or cabinet order sets it (Art. 89)")
	}
	if len(r.Identity) == 0 {
		v.addf("requests.identity", "required for a public body: how the requester's identity is verified (Art. 77)")
	}
	if r.FileRegister == "" {
		v.addf("requests.file_register", "required for a public body: the URL of its register of personal information files (個人情報ファイル簿, Art. 75)")
	} else {
		v.checkURL("requests.file_register", r.FileRegister, true)
	}
	v.days("requests.deadline", r.Deadline, maxPublicDays)
	v.days("requests.extension", r.Extension, maxPublicDays)
}

// transferBases checks each contractor's basis for entrustment abroad: a
// business names one for every contractor outside Japan, since Art. 28
// allows it only with the person's consent or to a recipient with a system
// meeting the Commission's standards, and the policy says which; a public
// body provides abroad under Art. 71, and a contractor in Japan needs none.
func (v *validator) transferBases(public bool) {
	for i, c := range v.m.Contractors {
		path := fmt.Sprintf("contractors[%d].transfer_basis", i)
		switch {
		case c.TransferBasis == "":
			if !public && c.Abroad() {
				v.addf(path, "required for a business's contractor outside Japan (country %q): %s", c.Country, transferChoices)
			}
		case public:
			v.addf(path, "only a business names a basis for entrustment abroad (Art. 28); a public body provides abroad under Art. 71")
		case !c.Abroad():
			v.addf(path, "only a contractor outside Japan needs a basis for entrustment abroad (Art. 28); this one's country is %q", c.Country)
		case c.TransferBasis != TransferEquivalentSystem && c.TransferBasis != TransferConsent:
			v.addf(path, "unknown basis %q: want %s", c.TransferBasis, transferChoices)
		}
	}
}

// transferChoices lists the values of Contractor.TransferBasis with their
// meanings.
const transferChoices = `"equivalent_system" (the contractor has a system meeting the standards of the Personal Information Protection Commission's rules, Art. 28(1) and (3)) or "consent" (the person's prior consent, given with the information of Art. 28(2))`

// days checks a period counted in days: written in days or weeks, since a
// month's length varies, and at most limit days when limit is not zero.
func (v *validator) days(path string, d Duration, limit int) {
	n, ok := d.Days()
	switch {
	case !ok:
		v.addf(path, "want a number of days or weeks, such as \"30d\" or \"2w\", got %q: a month or year has no fixed number of days, and the Act counts these periods in days", d)
	case limit > 0 && n > limit:
		v.addf(path, "%s is longer than the %d days of Art. 83; an ordinance may shorten the period (Art. 108), not lengthen it", d, limit)
	}
}
