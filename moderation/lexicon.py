"""Words the normaliser resolves disguised spellings towards.

Disguises hide a small set of words: insults, profanity, slurs, group names and conspiracy
terms. When a disguised token ("1d10t", "f*ck", "sc_um") could read several ways, the
normaliser picks the reading found here or in the vocabulary learned from training text.
The lists are plain data so a team can extend them; order matters only for masked words
("c**t"), where earlier entries win ties.
"""

from __future__ import annotations

#: Swear words: not hostile on their own ("crap weather"), but common in insults.
PROFANITY: tuple[str, ...] = (
    "fuck", "fucking", "fucker", "fuckers", "fucked", "motherfucker", "shit", "shite", "shitty",
    "bullshit", "piss", "pissed", "crap", "damn", "hell", "bollocks", "fkn", "wtf",
)

#: Words that insult a person.
INSULTS: tuple[str, ...] = (
    "cunt", "cunts", "bitch", "bitches", "bastard", "bastards", "ass", "arse", "asshole",
    "assholes", "arsehole", "arseholes", "dick", "dickhead", "dickheads", "prick", "pricks", "twat",
    "twats", "wanker", "wankers", "tosser", "tossers", "slut", "sluts", "whore", "whores", "skank",
    "cock", "idiot", "idiots", "idiotic", "moron", "morons", "moronic", "stupid", "imbecile",
    "imbeciles", "cretin", "cretins", "halfwit", "dimwit", "scumbag", "scumbags", "loser", "losers",
    "clown", "clowns", "pathetic", "traitor", "traitors", "degenerate", "degenerates", "freak",
    "freaks", "libtard", "libtards", "snowflake", "snowflakes", "numpty", "gobshite", "muppet",
    "muppets", "dumb", "thick", "brainless", "gormless", "pillock", "plonker", "nonce", "nonces",
    "retard", "retards", "retarded", "bellend", "bellends", "knobhead", "knobheads", "fuckwit",
    "fuckwits", "dipshit", "dipshits", "shithead", "shitheads", "shitbag", "shitbags", "dumbass",
    "douchebag", "douchebags", "douche", "jackass", "twit", "twits", "nitwit", "bozo", "dickwad",
)

#: Slurs aimed at groups (ethnicity, religion, orientation, gender identity, disability).
SLURS: tuple[str, ...] = (
    "nigger", "niggers", "nigga", "niggas", "negro", "coon", "coons", "spic", "spics",
    "wetback", "wetbacks", "chink", "chinks", "gook", "gooks", "paki", "pakis", "kike", "kikes",
    "yid", "yids", "raghead", "ragheads", "towelhead", "towelheads", "sandnigger", "gyppo",
    "gyppos", "pikey", "pikeys", "faggot", "faggots", "fag", "fags", "dyke", "dykes", "poof",
    "poofs", "tranny", "trannies", "shemale", "spaz", "spastic", "mong", "cripple", "cripples",
    "zio", "zios", "kraut", "krauts", "dago", "dagos", "wop", "wops", "jap", "japs", "slag",
    "slags", "goyim", "mongs", "retard", "poofter", "poofters", "wog", "wogs", "beaner",
    "beaners", "muzzie", "muzzies", "pajeet", "pajeets", "kaffir", "kaffirs", "golliwog",
    "jigaboo", "sambo", "chinky", "lesbo", "lesbos", "homo", "homos", "gypo", "gypos", "spook",
    "coolie", "coolies", "shylock", "heeb", "heebs", "kyke", "mudslime", "mudslimes",
)

#: Words that deny people their humanity, the core of group contempt.
DEHUMANISING: tuple[str, ...] = (
    "scum", "filth", "filthy", "vermin", "parasite", "parasites", "pig", "pigs", "rat", "rats",
    "cockroach", "cockroaches", "animal", "animals", "savage", "savages", "trash", "garbage",
    "subhuman", "subhumans", "disgusting", "infestation", "infest", "breed", "breeding", "hordes",
    "horde", "leeches", "leech", "plague", "disease", "apes", "monkeys", "reptiles", "lice",
    "ape", "monkey", "cockroach", "maggots", "maggot", "snakes", "swine", "mongrels", "vomit",
)

#: Violence and harm: threats, wishes of death, calls for expulsion.
VIOLENCE: tuple[str, ...] = (
    "kill", "killed", "killing", "die", "dead", "death", "hang", "hanged", "shoot", "shot", "burn",
    "kys", "rape", "deport", "exterminate", "gas", "gassed", "lynch", "stab", "beat", "torch",
    "bullet", "bullets", "string", "rope", "unalive", "wipe", "cleanse", "purge",
    "murder", "slaughter", "massacre", "behead", "strangle", "choke", "torture", "drown",
    "knife", "knives", "gun", "guns", "bomb", "nuke", "smash", "batter", "punch", "stomp",
    "beating", "execute", "eradicate", "annihilate", "machete", "axe", "shooting", "lynched",
    "hanging", "burned", "stabbed", "murdered", "slaughtered", "executed", "bleed",
)

#: Profanity, insults and slurs, most likely masked targets first.
ABUSE_WORDS: tuple[str, ...] = tuple(dict.fromkeys(PROFANITY + INSULTS + SLURS + DEHUMANISING + VIOLENCE))

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



def _plurals(words: tuple[str, ...]) -> frozenset[str]:
    """The words and their plurals ("spastic" -> "spastics", "leech" -> "leeches"): a list
    names each noun once and every category reads both forms."""
    out = set(words)
    for w in words:
        if w.endswith(("ing", "ed", "ous", "ful", "less", "y")) or w.endswith("s") and not w.endswith("ss"):
            continue  # an adjective, a verb form or already a plural
        out.add(w + ("es" if w.endswith(("ss", "x", "sh", "ch", "z")) else "s"))
    return frozenset(out)


#: Forms of the violent verbs that threats use ("I'm stabbing", "she burns") beside the base
#: forms listed in VIOLENCE.
VIOLENCE_FORMS: tuple[str, ...] = (
    "kills", "killer", "killers", "dies", "dying", "hangs", "shoots", "burns", "burning",
    "rapes", "raping", "raped", "deported", "deporting", "exterminated", "exterminating",
    "lynching", "stabs", "stabbing", "beats", "beaten", "torched", "torching", "murders",
    "murdering", "slaughtering", "beheaded", "beheading", "strangled", "strangling", "choked",
    "choking", "tortured", "torturing", "drowned", "drowning", "bombed", "bombing", "nuked",
    "smashed", "smashing", "battered", "battering", "punched", "punching", "stomped", "stomping",
    "executing", "eradicated", "annihilated", "bleeding", "shank", "shanked", "curbstomp",
    "firebomb", "petrol", "gasoline", "acid",
)

#: Word categories counted as features, so a rare slur shares weight with common ones.
CATEGORIES: dict[str, frozenset[str]] = {
    "profanity": frozenset(PROFANITY),
    "insult": _plurals(INSULTS),
    "slur": _plurals(SLURS),
    "dehumanising": _plurals(DEHUMANISING),
    "violence": frozenset(VIOLENCE + VIOLENCE_FORMS),
    "group": frozenset(GROUP_WORDS),
    "conspiracy": frozenset(
        {
            "globalist", "globalists", "globalism", "illuminati", "freemason", "freemasons", "cabal",
            "soros", "rothschild", "rothschilds", "bilderberg", "wef", "plandemic", "scamdemic",
            "chemtrail", "chemtrails", "depopulation", "psyop", "microchip", "microchips", "sheeple",
            "nwo", "bioweapon", "eurabia", "hoax", "staged", "rigged", "puppet", "puppets", "agenda",
            "xecho", "nineeleven", "haarp", "lizard", "lizards", "zog", "globohomo",
        }
    ),
}
#: Second-person words: an insult next to one of these is aimed at someone.
YOU_WORDS: frozenset[str] = frozenset({"you", "your", "youre", "yourself", "u", "ur", "ya", "yer", "thou"})

#: Every word the normaliser may resolve a disguised token to.
LEXICON: frozenset[str] = frozenset(ABUSE_WORDS + GROUP_WORDS + CONSPIRACY_WORDS)

#: Targets for asterisk-masked words, in priority order.
MASK_TARGETS: tuple[str, ...] = ABUSE_WORDS + GROUP_WORDS + CONSPIRACY_WORDS

#: More identity terms for the category stream: a group named in any of these words becomes one
#: token, so "I can't stand X" shares its weight across every group X.
MORE_GROUP_WORDS: tuple[str, ...] = (
    "jewess", "israelis", "israeli", "semites", "semitic", "moslem", "moslems", "islamists",
    "hindu", "buddhist", "buddhists", "atheist", "atheists", "mormons", "lgbt", "lgbtq", "queer",
    "queers", "homosexual", "homosexuals", "bisexual", "bisexuals", "transgenders", "transwomen",
    "transmen", "nonbinary", "blacks", "negroes", "latino", "latinos", "latina", "latinas",
    "hispanic", "hispanics", "mexican", "palestinian", "palestinians", "arabic", "turks", "turk",
    "somali", "somalis", "afghans", "syrians", "iraqis", "iranians", "europeans", "americans",
    "foreigner", "foreigners", "illegals", "aliens", "asylum", "gypsies", "gypsy", "travellers",
    "travelers", "poles", "pole", "romanian", "bulgarians", "albanians", "russians", "ukrainians",
    "germans", "french", "italians", "brits", "english", "scottish", "welsh", "irish",
    "australians", "canadians", "koreans", "japanese", "vietnamese", "filipinos", "indians",
    "bangladeshis", "africans", "nigerians", "jamaicans", "haitians", "females", "female", "males",
    "male", "girls", "ladies", "wives", "mothers", "feminist", "disabled", "autistic", "deaf",
    "blind", "elderly", "pensioners", "boomers", "millennials", "zoomers", "teenagers", "kids",
    "poor", "homeless", "rednecks", "hillbillies", "northerners", "southerners", "leftists",
    "lefties", "liberals", "conservatives", "progressives", "socialists", "communists",
    "trumpers", "maga", "remoaners", "brexiteers", "cops", "police", "journalists", "teachers",
    "lawyers", "bankers", "politicians", "vegans", "cyclists", "fans",
)

#: Negations: "not", "never" and friends become one token in the category stream.
NEGATIONS: frozenset[str] = frozenset({
    "not", "no", "never", "nobody", "none", "nothing", "neither", "nor", "cannot", "cant",
    "dont", "doesnt", "didnt", "isnt", "arent", "wasnt", "werent", "wont", "wouldnt", "shouldnt",
    "couldnt", "aint", "nt",
})

#: Words of hatred and contempt ("I loathe them", "they disgust me"): one token in the category
#: stream, so "loathe GROUP" and "hate GROUP" share their weight.
HATE_WORDS: frozenset[str] = frozenset({
    "hate", "hates", "hated", "hating", "hatred", "loathe", "loathes", "loathing", "despise",
    "despises", "detest", "detests", "abhor", "abhors", "disgust", "disgusts", "disgusted",
    "sickening", "revolting", "repulsive",
})

#: Words that report or quote what someone said ("calling them rats", "his remarks"): abuse
#: next to these is often being reported or condemned, not meant.
REPORT_WORDS: frozenset[str] = frozenset({
    "calling", "call", "called", "calls", "saying", "say", "said", "says", "claim", "claims",
    "claiming", "describing", "described", "labelling", "labeling", "branding", "referring",
    "remark", "remarks", "comment", "comments", "tweet", "tweets", "post", "posts", "chant",
    "chants", "chanting", "slur", "slurs", "language", "rhetoric", "words", "quote", "quoted",
})

#: Words that condemn ("that is vile", "shameful", "racist"): counter-speech leans on them.
CONDEMN_WORDS: frozenset[str] = frozenset({
    "disgusting", "vile", "shameful", "unacceptable", "racist", "racism", "bigoted", "bigotry",
    "bigot", "bigots", "hateful", "appalling", "abhorrent", "ashamed", "deplorable",
    "outrageous", "dehumanising", "dehumanizing", "xenophobic", "homophobic", "transphobic",
    "antisemitic", "misogynistic", "sexist", "condemn", "condemned", "reported", "report",
})

#: Emoji that carry abuse in comments, read as the word they stand for ("Xs = 🐀🐀🐀").
EMOJI_WORDS: dict[str, str] = {
    "\U0001f400": "rat", "\U0001f401": "rat", "\U0001f412": "monkey", "\U0001f435": "monkey",
    "\U0001f98d": "ape", "\U0001f9a7": "ape", "\U0001f437": "pig", "\U0001f416": "pig",
    "\U0001f40d": "snake", "\U0001fab3": "cockroach", "\U0001f99f": "vermin",
    "\U0001f41b": "maggot", "\U0001f9a0": "disease", "\U0001f52a": "knife",
    "\U0001f52b": "gun", "\U0001f4a3": "bomb", "\U0001fa93": "axe", "\U0001f525": "fire",
    "\u2620": "death", "\U0001f480": "dead", "\u26b0": "coffin", "\U0001faa6": "grave",
    "\U0001f92e": "vomit", "\U0001f922": "sick", "\U0001f595": "fuck", "\U0001f4a9": "shit",
    "\U0001f921": "clown", "\U0001f5d1": "trash", "\U0001f6ae": "trash",
}
