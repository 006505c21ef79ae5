"""Words the normaliser resolves disguised spellings towards.

Disguises hide a small set of words: insults, profanity, slurs, group names and conspiracy
terms. When a disguised token ("1d10t", "f*ck", "sc_um") could read several ways, the
normaliser picks the reading found here or in the vocabulary learned from training text.
The lists are plain data so a team can extend them; order matters only for masked words
("c**t"), where earlier entries win ties.
"""

from __future__ import annotations

#: Profanity, insults and slurs, most likely masked targets first.
ABUSE_WORDS: tuple[str, ...] = (
    "fuck", "fucking", "fucker", "fuckers", "fucked", "motherfucker", "shit", "shite", "shitty",
    "bullshit", "cunt", "cunts", "bitch", "bitches", "bastard", "bastards", "ass", "arse",
    "asshole", "assholes", "arsehole", "arseholes", "dick", "dickhead", "dickheads", "prick",
    "pricks", "twat", "twats", "wanker", "wankers", "tosser", "tossers", "piss", "pissed",
    "crap", "damn", "hell", "bollocks", "slut", "sluts", "whore", "whores", "skank", "cock",
    "idiot", "idiots", "idiotic", "moron", "morons", "moronic", "stupid", "imbecile",
    "imbeciles", "cretin", "cretins", "retard", "retards", "retarded", "halfwit", "dimwit",
    "scum", "scumbag", "scumbags", "filth", "filthy", "vermin", "parasite", "parasites",
    "pig", "pigs", "rat", "rats", "cockroach", "cockroaches", "animal", "animals", "savage",
    "savages", "trash", "garbage", "loser", "losers", "clown", "clowns", "pathetic", "disgusting",
    "traitor", "traitors", "degenerate", "degenerates", "subhuman", "subhumans", "freak",
    "freaks", "nazi", "nazis", "commie", "commies", "libtard", "libtards", "snowflake",
    "nigger", "niggers", "nigga", "niggas", "negro", "coon", "coons", "spic", "spics",
    "wetback", "wetbacks", "chink", "chinks", "gook", "gooks", "paki", "pakis", "kike", "kikes",
    "yid", "yids", "raghead", "ragheads", "towelhead", "towelheads", "sandnigger", "gyppo",
    "gyppos", "pikey", "pikeys", "gypsy", "gypsies", "faggot", "faggots", "fag", "fags", "dyke",
    "dykes", "poof", "poofs", "queer", "tranny", "trannies", "shemale", "spaz", "spastic",
    "mong", "cripple", "cripples", "kill", "killed", "killing", "die", "dead", "death", "hang",
    "shoot", "burn", "kys", "rape", "deport", "exterminate", "gas", "lynch", "stab", "beat",
)

#: Group names and identity terms, disguised both by abusers and to evade keyword filters.
GROUP_WORDS: tuple[str, ...] = (
    "jew", "jews", "jewish", "zionist", "zionists", "zionism", "muslim", "muslims", "islam",
    "islamic", "christian", "christians", "hindu", "hindus", "sikh", "sikhs", "catholic",
    "catholics", "gay", "gays", "lesbian", "lesbians", "trans", "transgender", "black",
    "blacks", "white", "whites", "asian", "asians", "arab", "arabs", "african", "africans",
    "immigrant", "immigrants", "migrant", "migrants", "refugee", "refugees", "roma", "women",
    "woman", "men", "feminist", "feminists", "disabled", "boomer", "boomers", "liberal",
    "liberals", "leftist", "leftists", "tory", "tories", "democrat", "democrats", "republican",
    "republicans", "polish", "romanian", "romanians", "irish", "scots", "english", "mexican",
    "mexicans", "chinese", "indian", "indians", "pakistani", "pakistanis", "nigerian",
)

#: Conspiracy vocabulary: code words and spellings used to dodge keyword filters.
CONSPIRACY_WORDS: tuple[str, ...] = (
    "globalist", "globalists", "globalism", "illuminati", "freemason", "freemasons", "cabal",
    "elite", "elites", "soros", "rothschild", "rothschilds", "bilderberg", "davos", "wef",
    "agenda", "plandemic", "scamdemic", "vaccine", "vaccines", "vax", "vaxx", "jab", "jabs",
    "poison", "poisoned", "chemtrail", "chemtrails", "depopulation", "replacement", "invasion",
    "genocide", "eurabia", "hoax", "staged", "psyop", "false", "flag", "microchip", "microchips",
    "sheeple", "rigged", "deep", "state", "puppet", "puppets", "controlled", "narrative",
    "propaganda", "mainstream", "media", "bioweapon", "5g", "nwo", "truth", "awake", "wake",
)

#: Every word the normaliser may resolve a disguised token to.
LEXICON: frozenset[str] = frozenset(ABUSE_WORDS + GROUP_WORDS + CONSPIRACY_WORDS)

#: Targets for asterisk-masked words, in priority order.
MASK_TARGETS: tuple[str, ...] = ABUSE_WORDS + GROUP_WORDS + CONSPIRACY_WORDS
