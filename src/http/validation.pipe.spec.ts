import type { ArgumentMetadata } from '@nestjs/common';
import { ListProductsQueryDto } from '../modules/products/dto/list-products-query.dto';
import { AppException } from './app-exception';
import { AppValidationPipe } from './validation.pipe';

const QUERY: ArgumentMetadata = { type: 'query', metatype: ListProductsQueryDto };

describe('AppValidationPipe on query strings', () => {
  it('gives an identical valid query a fresh DTO of the same values each time', async () => {
    const pipe = new AppValidationPipe();
    const first = (await pipe.transform(
      { limit: '5', sort: 'name' },
      QUERY,
    )) as ListProductsQueryDto;
    first.limit = 99;
    first.search = 'planted';
    const second = (await pipe.transform(
      { limit: '5', sort: 'name' },
      QUERY,
    )) as ListProductsQueryDto;
    expect(second).toBeInstanceOf(ListProductsQueryDto);
    expect(second).not.toBe(first);
    expect({ ...second }).toEqual({ page: 1, limit: 5, order: 'desc', sort: 'name' });
  });

  it('refuses an invalid query every time it comes, never remembering it', async () => {
    const pipe = new AppValidationPipe();
    for (let attempt = 0; attempt < 3; attempt += 1)
      await expect(pipe.transform({ limit: '500' }, QUERY)).rejects.toBeInstanceOf(AppException);
    await expect(pipe.transform({ limit: '5', constructor: 'x' }, QUERY)).rejects.toMatchObject({
      details: [{ field: 'constructor' }],
    });
  });

  it('tells queries apart by every value, past the bound of remembered queries too', async () => {
    const pipe = new AppValidationPipe();
    for (let page = 1; page <= 1100; page += 1) {
      const dto = (await pipe.transform({ page: String(page) }, QUERY)) as ListProductsQueryDto;
      expect(dto.page).toBe(page);
    }
    const again = (await pipe.transform({ page: '3' }, QUERY)) as ListProductsQueryDto;
    expect(again.page).toBe(3);
  });
});
