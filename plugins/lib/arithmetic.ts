/**
 * A small recursive-descent evaluator for arithmetic: numbers, + - * / % ^ (right-associative), unary
 * minus and parentheses. Anything else is an error naming the position.
 */
export function evaluateArithmetic(expression: string): number {
  const tokens = expression.match(/\d+(?:\.\d+)?(?:e[+-]?\d+)?|\.\d+|[-+*/%^()]|\S/gi) ?? [];
  let position = 0;
  const peek = () => tokens[position];
  const take = () => tokens[position++];

  const fail = (what: string): never => {
    throw new Error(`Invalid expression "${expression}": ${what}`);
  };

  function primary(): number {
    const token = take();
    if (token === undefined) return fail('unexpected end');
    if (token === '(') {
      const value = sum();
      if (take() !== ')') fail('missing ")"');
      return value;
    }
    if (token === '-') return -power();
    if (token === '+') return power();
    const value = Number(token);
    return Number.isFinite(value) ? value : fail(`unexpected "${token}"`);
  }

  function power(): number {
    const base = primary();
    if (peek() === '^') {
      take();
      return base ** power();
    }
    return base;
  }

  function product(): number {
    let value = power();
    for (let op = peek(); op === '*' || op === '/' || op === '%'; op = peek()) {
      take();
      const right = power();
      value = op === '*' ? value * right : op === '/' ? value / right : value % right;
    }
    return value;
  }

  function sum(): number {
    let value = product();
    for (let op = peek(); op === '+' || op === '-'; op = peek()) {
      take();
      const right = product();
      value = op === '+' ? value + right : value - right;
    }
    return value;
  }

  if (tokens.length === 0) fail('empty');
  const result = sum();
  if (position < tokens.length) fail(`unexpected "${tokens[position]}"`);
  if (!Number.isFinite(result)) fail('the result is not a finite number (division by zero?)');
  return result;
}
