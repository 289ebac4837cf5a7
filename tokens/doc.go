// Package tokens counts LLM tokens offline with a real BPE tokenizer
// (o200k_base, the encoding of the gpt-4o family; its vocabulary is
// compiled into the binary, nothing is downloaded), so output budgets and
// prompt accounting are measured, not guessed from byte lengths.
//
//	c := tokens.New()
//	n := c.Count(text)
//	short, cut := c.Truncate(text, 2000)
//
// Other model families tokenize differently; o200k_base is within a few
// per cent for budgeting purposes and the same on every machine.
package tokens
