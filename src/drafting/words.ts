/**
 * General word lists for drafting (no series' names: these are ordinary
 * English and French words that look like names when capitalised). Kept as
 * folded stems, the form tokens are compared in ("witches" → "witch").
 */
import { stem } from './lexical.js';

const stems = (words: string): Set<string> =>
  new Set(
    words
      .split(/\s+/)
      .filter(Boolean)
      .flatMap((w) => [w, stem(w.normalize('NFKD').replace(/[\u0300-\u036f]/g, ''))]),
  );

/** Titles before a name ("Miss Saffron", "Captain Ironbeard"): the name is the word after; the whole is an alias. */
export const HONORIFICS = stems(
  'mr mrs ms miss mister sir madam madame ma’am lady lord master mistress king queen prince princess emperor empress duke duchess baron count countess ' +
    'captain capt doctor dr professor prof sergeant sgt general colonel lieutenant chief mayor sheriff officer detective agent saint st uncle aunt auntie grandma grandpa ' +
    'monsieur mademoiselle mme mlle roi reine princesse seigneur maitre maître docteur capitaine oncle tante',
);

/** Words said to people that are not names: "Ladies & Gentlemen", "Come on girls". */
export const ADDRESS = stems(
  'ladies lady gentlemen gentleman sir sirs guys folks everyone everybody someone anyone sweetie honey darling dear mom mum dad mommy mummy daddy ' +
    'boss buddy pal kid kids girl girls boy boys friend friends people man men woman women child children mister miss madam ' +
    'mesdames messieurs monsieur madame mademoiselle papa maman ami amis',
);

/** Interjections (also the ordinary ones the word lists know): never a name by themselves. */
export const INTERJECTIONS = stems(
  'oh ah ahh aah eh uh um umm hmm hm huh hey wow whoa ha haha hah hehe heh hee ho yay yippee yipee oops ouch ow aw aww ugh argh bah pff pfff phew psst shh ' +
    'ok okay yeah yep nope yes no hello hi bye goodbye meow woof oof boo bravo voila voilà alas hurray hooray yoo ahem ' +
    'oui non hein bof zut ouf aïe aie hélas helas merci salut',
);

/** Ordinary capitalised words: days, months, festivals. */
export const CALENDAR = stems(
  'monday tuesday wednesday thursday friday saturday sunday january february march april may june july august september october november december ' +
    'christmas easter halloween god lundi mardi mercredi jeudi vendredi samedi dimanche janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre noel dieu',
);

/** A word before "of X" that makes X a place: "the forest of X", "the people of X", "the corners of X". */
export const PLACE_OF = stems(
  'city town village land lands kingdom country forest forests mountain mountains valley river lake sea island islands shore coast streets street ' +
    'corners corner people capital heart center centre edge outskirts ruins gates walls border borders region province empire realm world market plaza square ' +
    'ville village pays royaume foret forêt montagne vallee vallée riviere rivière lac mer ile île rue marche marché place',
);

/** Prepositions before a place: "in X", "to X". */
export const PLACE_BEFORE = stems(
  'in at to from into through near towards toward around inside outside across under beneath below above throughout en à a dans vers depuis chez sous',
);

/** A head word that makes a capitalised phrase a place: "Komona City", "Star Street". */
export const PLACE_HEADS = stems(
  'city town village street road avenue lane square plaza market valley forest wood woods mountain mountains hill hills river lake sea ocean island bay ' +
    'castle palace tower temple temples cave caves kingdom land lands end falls park bridge harbour harbor port station school academy inn tavern ' +
    'ville rue place marche marché vallee vallée foret forêt montagne riviere rivière lac chateau château tour temple grotte royaume ecole école',
);

/** A word before "of X" that makes X a group: "the witches of X", "a member of X". */
export const GROUP_OF = stems(
  'witch witches wizard wizards member members student students school order clan guild house tribe followers follower magic coven knights knight ' +
    'soldiers soldier army band family league society council brotherhood sisterhood sisters brothers demons monsters adept adepts disciples rules tradition ' +
    'sorcières sorciere sorcière membre membres ecole école ordre clan guilde maison tribu magie famille',
);

/** A word after X that makes X a group used as an adjective: "a X witch", "the X soldiers". */
export const GROUP_AFTER = stems('witch witches wizard wizards members soldiers knights army students school magic clan guild coven tradition');

/** A head word that makes a capitalised phrase a thing: "Dragon's Tooth", "Book of Shadows". */
export const THING_HEADS = stems(
  'potion potions book books sword stone crystal ring amulet tooth teeth journal map scroll wand staff crown gem orb elixir spell spells machine ' +
    'potion livre epee épée pierre cristal anneau couronne sort',
);

/** Words after a name that make it the subject of a sentence: "X will shadow you", "X is right". */
export const SUBJECT_AFTER = stems(
  'is was has had will would can could should must may might said says asked asks told tells shouted whispered did does went goes came comes wants wanted est a sera fait dit',
);
