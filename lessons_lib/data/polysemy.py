"""A small labelled set of words with two meanings, each used in 8 sentences per meaning.

Written for this collection to test whether a model's vector for a word depends on its context:
"bank" by a river and "bank" that lends money are one string with two senses. Each target word is
a single token of the tiny BERT's WordPiece vocabulary and occurs in the default corpus, so
word2vec trained on that corpus has one vector for it.
"""

from __future__ import annotations

from typing import NamedTuple

from lessons_lib.checks import check_choice


class SenseExample(NamedTuple):
    """One use of a word: the word, which of its two senses, the sentence."""

    word: str
    sense: str
    sentence: str


POLYSEMY: dict[str, dict[str, list[str]]] = {
    "bank": {
        "river": [
            "They sat on the bank of the river and watched the boats go by.",
            "The flood washed away the muddy bank near the old bridge.",
            "Reeds grow thickly along the bank where the water is slow.",
            "We walked along the east bank of the stream until sunset.",
            "The children fished from the grassy bank all afternoon.",
            "Erosion has eaten into the river bank after years of heavy rain.",
            "A heron stood still on the far bank, waiting for fish.",
            "The canoe was pulled up onto the sandy bank for the night.",
        ],
        "money": [
            "She opened a savings account at the bank on Monday.",
            "The bank agreed to lend the company two million dollars.",
            "He withdrew cash from the bank before the weekend.",
            "The central bank announced new measures to control inflation.",
            "Customers queued outside the bank after the news of heavy losses.",
            "The bank charged a fee for every transfer abroad.",
            "Robbers broke into the bank and emptied the safe.",
            "Her salary is paid directly into the bank each month.",
        ],
    },
    "plant": {
        "factory": [
            "The chemical plant employs four hundred workers in the town.",
            "A new power plant will supply electricity to the region.",
            "The car plant closed after the company moved production overseas.",
            "Engineers inspected the nuclear plant after the earthquake.",
            "Waste water from the plant polluted the nearby lake.",
            "The steel plant runs three shifts a day.",
            "Union members protested outside the plant over job cuts.",
            "The government approved plans for a desalination plant on the coast.",
        ],
        "vegetation": [
            "Water the plant twice a week and keep it out of direct sun.",
            "This plant produces bright yellow flowers in early summer.",
            "The seeds of the plant are spread by birds.",
            "A tall plant with broad leaves grew beside the door.",
            "Each plant needs light, water and nutrients from the soil.",
            "The rare plant is found only on a few mountain slopes.",
            "She repotted the plant because its roots had filled the pot.",
            "Insects pollinate the plant when they visit its flowers.",
        ],
    },
    "court": {
        "law": [
            "The judge told the court that the trial would resume on Tuesday.",
            "He was ordered to appear in court to answer the charges.",
            "The high court rejected the appeal last week.",
            "Lawyers for both sides addressed the court for an hour.",
            "The court found the defendant guilty of fraud.",
            "Journalists waited outside the court for the verdict.",
            "The case was settled out of court after months of talks.",
            "A federal court blocked the new law from taking effect.",
        ],
        "sport": [
            "The players warmed up on the tennis court before the game.",
            "She hit the ball hard into the far corner of the court.",
            "The basketball court in the park was freshly painted.",
            "He slipped on the wet court and hurt his ankle.",
            "They booked a squash court for an hour after work.",
            "The crowd cheered as the team ran onto the court.",
            "Rain stopped play, and the covers were pulled over the court.",
            "The new indoor court has seats for two thousand fans.",
        ],
    },
    "party": {
        "politics": [
            "The Labor party won a majority in the election.",
            "He left the party after a dispute with its leader.",
            "The opposition party criticised the new budget.",
            "Members of the party voted to choose a new leader.",
            "The ruling party lost several seats in parliament.",
            "Her party promised lower taxes during the campaign.",
            "The minor party holds the balance of votes in the senate.",
            "A split in the party weakened the government.",
        ],
        "celebration": [
            "We had a birthday party with cake and balloons.",
            "The music at the party was so loud that the neighbours complained.",
            "She invited all her friends to a party on Saturday night.",
            "Guests danced until midnight at the wedding party.",
            "The children played games at the party in the garden.",
            "He brought a bottle of wine to the dinner party.",
            "After the exams the students threw a party on the beach.",
            "The office party ended early because of the storm.",
        ],
    },
    "capital": {
        "city": [
            "Canberra is the capital of Australia.",
            "Thousands marched through the capital to protest against the war.",
            "The president returned to the capital after the summit.",
            "The capital has a population of over two million people.",
            "Fighting spread from the border towards the capital.",
            "The old capital was moved inland for safety.",
            "Tourists flock to the capital to see its museums.",
            "Roads into the capital were closed during the royal visit.",
        ],
        "money": [
            "The company needs more capital to expand its factories.",
            "Investors provided the capital for the new venture.",
            "Lenders must hold enough capital to cover their losses.",
            "The firm raised capital by selling shares on the market.",
            "Foreign capital flowed into the country after the reforms.",
            "They lost most of their capital when the business failed.",
            "A tax on capital gains was introduced last year.",
            "Small farmers often lack the capital to buy new machines.",
        ],
    },
    "cell": {
        "biology": [
            "Each cell in the body contains a copy of the genes.",
            "The virus enters the cell and makes copies of itself.",
            "A nerve cell sends signals along its long fibre.",
            "Under the microscope, the cell membrane was clearly visible.",
            "Cancer begins when a cell divides without control.",
            "The egg cell is fertilised and begins to divide.",
            "Energy for the cell is produced by its mitochondria.",
            "A single cell can be seen only with a microscope.",
        ],
        "prison": [
            "The prisoner was locked in a small cell for the night.",
            "Guards searched the cell and found a hidden phone.",
            "He spent ten years in a prison cell.",
            "The police held the suspect in a cell at the station.",
            "Two inmates shared a cramped cell with one window.",
            "She was moved to a cell on the top floor of the jail.",
            "The cell door slammed shut behind him.",
            "He escaped from his cell by climbing through the roof.",
        ],
    },
    "interest": {
        "finance": [
            "The loan carries interest of six per cent a year.",
            "Rising interest rates made mortgages more expensive.",
            "The account pays interest every month.",
            "He paid back the debt with interest.",
            "The reserve cut interest rates to support growth.",
            "Interest on the national debt costs billions each year.",
            "Savers earned little interest while prices were rising.",
            "The company could not meet the interest payments on its bonds.",
        ],
        "curiosity": [
            "She has a keen interest in ancient history.",
            "The film failed to hold my interest after the first hour.",
            "His interest in music began when he was a child.",
            "The discovery attracted interest from scientists around the world.",
            "Children show great interest in animals.",
            "He lost interest in the game and went home.",
            "Their shared interest in painting brought them together.",
            "The museum hopes to spark interest in local history.",
        ],
    },
    "spring": {
        "season": [
            "The trees blossom in spring when the days grow longer.",
            "We plan to visit the mountains next spring.",
            "Lambs are born in early spring on the farm.",
            "The spring of that year was unusually wet.",
            "Birds return from the south each spring.",
            "The election will be held in the spring.",
            "Snow melts quickly once spring arrives.",
            "The garden looks its best in late spring.",
        ],
        "water": [
            "Fresh water bubbles up from a spring at the foot of the hill.",
            "The village drew its water from a spring in the woods.",
            "A hot spring feeds the pools near the volcano.",
            "Pilgrims drink from the spring because they believe it heals.",
            "The stream begins at a small spring high in the mountains.",
            "The spring dried up during the long drought.",
            "Minerals from the spring give the water a strange taste.",
            "They built a stone basin around the spring to collect the water.",
        ],
    },
}


def polysemy_examples(word: str | None = None) -> list[SenseExample]:
    """Every (word, sense, sentence) of the set, or of one ``word``, in a fixed order."""
    if word is not None:
        check_choice("word", word, sorted(POLYSEMY))
    return [SenseExample(w, sense, sentence) for w, senses in POLYSEMY.items() if word in (None, w)
            for sense, sentences in senses.items() for sentence in sentences]
