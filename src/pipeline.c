/*
 * pipeline.c - the article's default sales cycle and the small rules about
 * stages, roles and a deal's probability.
 */
#include <string.h>
#include <strings.h>

#include "err.h"
#include "pipeline.h"

/*
 * The nine stages of Salesforce's cycle as the founding article teaches them
 * (the ninth split into won and lost), with the win probabilities it gives
 * "for reference only": each team tunes them from its own history.
 */
static const struct stage default_stages[] = {
    {.key = "prospecting",
     .name_zh = "勘探",
     .name_en = "Prospecting",
     .guidance = "Find prospects through advertising, PR and other marketing. Profile the "
		 "target customer: industry, size, who buys, and why they might need us.",
     .probability = 10,
     .kind = STAGE_OPEN,
     .position = 1},
    {.key = "qualification",
     .name_zh = "條件驗證",
     .name_en = "Qualification",
     .guidance = "Send documents and white papers, call the prospect. Check that they want "
		 "to know more and that they could buy: budget, authority, need, timing.",
     .probability = 10,
     .kind = STAGE_OPEN,
     .position = 2},
    {.key = "needs_analysis",
     .name_zh = "需求分析",
     .name_en = "Needs Analysis",
     .guidance = "Gather the customer's background. Find the root and the hidden needs, "
		 "the obstacles in the way and the resources they have.",
     .probability = 20,
     .kind = STAGE_OPEN,
     .position = 3},
    {.key = "value_proposition",
     .name_zh = "價值主張",
     .name_en = "Value Proposition",
     .guidance = "Hold a formal meeting or a demonstration that shows the value of the "
		 "offer for the needs found; tie each feature to a need.",
     .probability = 50,
     .kind = STAGE_OPEN,
     .position = 4},
    {.key = "id_decision_makers",
     .name_zh = "辨認決策者",
     .name_en = "Id. Decision Makers",
     .guidance = "Find out who decides, who influences and who signs, and the role each "
		 "person plays in the purchase.",
     .probability = 60,
     .kind = STAGE_OPEN,
     .position = 5},
    {.key = "perception_analysis",
     .name_zh = "認知分析",
     .name_en = "Perception Analysis",
     .guidance = "Check that the customer understood the offer as intended; clear up every "
		 "misunderstanding before the proposal.",
     .probability = 70,
     .kind = STAGE_OPEN,
     .position = 6},
    {.key = "proposal_price_quote",
     .name_zh = "提案/報價",
     .name_en = "Proposal/Price Quote",
     .guidance = "Send the proposal and the price. Sell value over price and show the "
		 "advantage over the alternatives.",
     .probability = 75,
     .kind = STAGE_OPEN,
     .position = 7},
    {.key = "negotiation_review",
     .name_zh = "談判/檢視",
     .name_en = "Negotiation/Review",
     .guidance = "Agree on scope, price and expectations; review the contract with the "
		 "decision makers until both sides sign.",
     .probability = 90,
     .kind = STAGE_OPEN,
     .position = 8},
    {.key = "closed_won",
     .name_zh = "成交",
     .name_en = "Closed Won",
     .guidance = "Won: hand over to delivery and after-sales service; note what made the "
		 "difference.",
     .probability = 100,
     .kind = STAGE_WON,
     .position = 9},
    {.key = "closed_lost",
     .name_zh = "失敗",
     .name_en = "Closed Lost",
     .guidance = "Lost: close the deal too, record why, and start a new cycle when the "
		 "customer is ready again.",
     .probability = 0,
     .kind = STAGE_LOST,
     .position = 10},
};

const struct stage *pipeline_default(size_t *n)
{
	*n = sizeof(default_stages) / sizeof(default_stages[0]);
	return default_stages;
}

const char *stage_kind_name(enum stage_kind k)
{
	switch (k) {
	case STAGE_WON:
		return "won";
	case STAGE_LOST:
		return "lost";
	case STAGE_OPEN:
		break;
	}
	return "open";
}

int stage_kind_parse(const char *s, enum stage_kind *out)
{
	if (strcmp(s, "open") == 0)
		*out = STAGE_OPEN;
	else if (strcmp(s, "won") == 0)
		*out = STAGE_WON;
	else if (strcmp(s, "lost") == 0)
		*out = STAGE_LOST;
	else
		return ERR_INVALID;
	return 0;
}

const char *role_name(enum role r)
{
	switch (r) {
	case ROLE_ADMIN:
		return "admin";
	case ROLE_MANAGER:
		return "manager";
	case ROLE_MEMBER:
		break;
	}
	return "member";
}

int role_parse(const char *s, enum role *out)
{
	if (strcmp(s, "admin") == 0)
		*out = ROLE_ADMIN;
	else if (strcmp(s, "manager") == 0)
		*out = ROLE_MANAGER;
	else if (strcmp(s, "member") == 0)
		*out = ROLE_MEMBER;
	else
		return ERR_INVALID;
	return 0;
}

int deal_probability(const struct deal *d)
{
	return d->probability >= 0 ? d->probability : d->stage_probability;
}

int stage_match(const struct stage *stages, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(stages[i].key, s) == 0)
			return (int)i;
	for (i = 0; i < n; i++)
		if (strcmp(stages[i].name_zh, s) == 0 || strcasecmp(stages[i].name_en, s) == 0)
			return (int)i;
	return -1;
}

int stage_key_valid(const char *s)
{
	size_t i;

	if (!(s[0] >= 'a' && s[0] <= 'z'))
		return 0;
	for (i = 0; s[i]; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return i <= CAP_KEY;
}
