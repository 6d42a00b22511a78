/* mutuad: placeholder entry point while the server modules are being written. */
int main (void);
int
main (void)
{
  return 0;
}
