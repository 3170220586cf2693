"""Rule-based language understanding for phone transcripts (lower-case ASR text, digits or
number words, no punctuation needed): intents, yes/no, names and dates of birth, preferred
times, picks among offered options, clinic vocabulary; plus ``speech`` for reading things out."""
